-- Issue 13: an order's history is the times of its status changes, kept in its own row. Each status happens at most
-- once to an order (PENDING -> CONFIRMED -> CANCELLED, or PENDING -> FAILED; a new attempt is a new order), so three
-- columns beside created_at say everything order_history said. Its two rows per order (each with an index entry and
-- a foreign-key check on orders) were ~2 of the ~11 rows every order inserts; the columns are written by the updates
-- that change the status anyway.
alter table orders add column confirmed_at timestamptz, add column failed_at timestamptz,
  add column cancelled_at timestamptz;

update orders o set confirmed_at = h.confirmed_at, failed_at = h.failed_at, cancelled_at = h.cancelled_at
from (select order_id,
             min(at) filter (where status = 'CONFIRMED') as confirmed_at,
             min(at) filter (where status = 'FAILED') as failed_at,
             min(at) filter (where status = 'CANCELLED') as cancelled_at
      from order_history where status <> 'PENDING' group by order_id) h
where h.order_id = o.order_id;

drop table order_history;
