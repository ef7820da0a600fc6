-- Checkouts: the durable record of every hold a shopper got. Redis holds the fast copy; after Redis loses its data
-- the holds, the per-user limit counters and the available stock are rebuilt from these rows.
create table checkouts (
  checkout_id  text primary key,
  user_id      text        not null,
  status       text        not null check (status in ('HELD', 'CONFIRMED', 'RELEASED', 'EXPIRED')),
  subtotal     bigint      not null,
  discount     bigint      not null default 0,
  total        bigint      not null,
  coupon_id    text,
  expires_at   timestamptz not null,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create index checkouts_active on checkouts (expires_at) where status = 'HELD';
create index checkouts_user on checkouts (user_id);

create table checkout_items (
  checkout_id     text   not null references checkouts (checkout_id) on delete cascade,
  product_id      text   not null references products (product_id),
  position        int    not null,
  quantity        int    not null check (quantity between 1 and 1000),
  unit_price      bigint not null check (unit_price >= 0),
  event_id        text,
  limit_per_user  int    not null default 0,
  primary key (checkout_id, product_id)
);
create index checkout_items_product on checkout_items (product_id);
