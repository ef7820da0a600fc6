-- Rows that grow with every order must also leave: completed idempotency keys expire after orders.idempotencyTtlSeconds
-- (the recovery instance deletes them in batches by this index). Sent outbox rows are deleted by the relay itself.
create index idempotency_keys_completed on idempotency_keys (completed_at) where completed_at is not null;
