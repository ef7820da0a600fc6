-- Orders, their saga state, and idempotency records.
create table orders (
  order_id         text primary key,
  checkout_id      text        not null references checkouts (checkout_id),
  user_id          text        not null,
  status           text        not null check (status in ('PENDING', 'CONFIRMED', 'CANCELLED', 'FAILED')),
  -- how far the saga got: STARTED → PAYMENT_AUTHORIZED → STOCK_CONFIRMED → DONE (or COMPENSATED)
  saga_step        text        not null,
  payment_id       text,
  payment_status   text,
  subtotal         bigint      not null,
  discount         bigint      not null default 0,
  total            bigint      not null,
  coupon_id        text,
  failure_code     text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
-- One live order per checkout: a failed attempt does not block a new one.
create unique index orders_one_per_checkout on orders (checkout_id) where status <> 'FAILED';
create index orders_pending on orders (updated_at) where status = 'PENDING';
create index orders_user on orders (user_id);

create table order_items (
  order_id    text   not null references orders (order_id) on delete cascade,
  product_id  text   not null,
  position    int    not null,
  quantity    int    not null,
  unit_price  bigint not null,
  event_id    text,
  primary key (order_id, product_id)
);

create table order_history (
  order_id  text        not null references orders (order_id) on delete cascade,
  status    text        not null,
  at        timestamptz not null default now()
);
create index order_history_order on order_history (order_id, at);

-- The durable side of Idempotency-Key: Redis answers retries fast, this row makes a lost Redis harmless.
create table idempotency_keys (
  user_id       text        not null,
  key           text        not null,
  request_hash  text        not null,
  status_code   int,
  response      text,
  created_at    timestamptz not null default now(),
  completed_at  timestamptz,
  primary key (user_id, key)
);

-- The payment provider simulator's own books (a stand-in for the provider's database).
create table sim_payments (
  payment_id       text primary key,
  idempotency_key  text        not null unique,
  amount           bigint      not null,
  token            text        not null,
  status           text        not null check (status in ('AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED')),
  refunds          int         not null default 0,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
