-- Recovery retries an unsettled order with doubling pauses (capped), counted here; reset when the order moves on.
alter table orders add column recovery_attempts int not null default 0;
-- Orders whose money is not settled yet: a capture owed (CONFIRMED + AUTHORIZED), a void owed (FAILED after an
-- authorisation) or a refund/void owed (CANCELLED + REFUND_PENDING). Recovery and /metrics read them often.
create index orders_unsettled on orders (updated_at)
  where (status = 'CONFIRMED' and payment_status = 'AUTHORIZED')
     or (status = 'FAILED' and saga_step in ('PAYMENT_UNKNOWN', 'VOID_PENDING'))
     or (status = 'CANCELLED' and payment_status = 'REFUND_PENDING');
