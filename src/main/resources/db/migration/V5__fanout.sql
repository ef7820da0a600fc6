-- Effects of the fan-out consumers. Each row carries the id of the event that caused it, so a redelivered event
-- (Kafka delivers at least once) cannot apply twice: the unique key turns the second insert into a no-op.
create table points_ledger (
  event_id    uuid primary key,
  order_id    text        not null,
  user_id     text        not null,
  reason      text        not null check (reason in ('ORDER_PLACED', 'ORDER_CANCELLED')),
  points      bigint      not null,
  created_at  timestamptz not null default now(),
  unique (order_id, reason)
);
create index points_ledger_user on points_ledger (user_id);

create table notifications (
  event_id    uuid        not null,
  channel     text        not null,
  user_id     text        not null,
  subject     text        not null,
  body        text        not null,
  created_at  timestamptz not null default now(),
  primary key (event_id, channel)
);
create index notifications_user on notifications (user_id);
