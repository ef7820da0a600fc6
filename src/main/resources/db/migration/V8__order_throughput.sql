-- Rows that grow with every order must also leave: idempotency keys expire after orders.idempotencyTtlSeconds — the
-- completed ones, and ones left in flight that long by a dead process. The recovery instance deletes them in batches
-- through these indexes. (Sent outbox rows are deleted by the relay itself.)
create index idempotency_keys_completed on idempotency_keys (completed_at) where completed_at is not null;
create index idempotency_keys_in_flight on idempotency_keys (created_at) where completed_at is null;
