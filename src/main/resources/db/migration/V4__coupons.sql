-- Coupons and their grants (who may use which). Applicability is pre-computed into Redis sets by the indexer.
create table coupons (
  coupon_id           text primary key,
  name                text        not null,
  type                text        not null check (type in ('FIXED', 'PERCENT')),
  value               bigint      not null check (value > 0),
  max_discount        bigint      check (max_discount is null or max_discount > 0),
  min_price           bigint      not null default 0 check (min_price >= 0),
  valid_from          timestamptz not null,
  valid_to            timestamptz not null,
  target_grades       text[]      not null default '{}',
  target_brands       text[]      not null default '{}',
  target_categories   text[]      not null default '{}',
  target_product_ids  text[]      not null default '{}',
  version             bigint      not null default 1,
  updated_at          timestamptz not null default now(),
  check (valid_to > valid_from)
);

-- One grant per coupon and user. AVAILABLE → RESERVED (a checkout holds it) → USED (an order redeemed it);
-- a released hold, a declined payment or a cancelled order makes it AVAILABLE again.
create table coupon_grants (
  coupon_id    text        not null references coupons (coupon_id),
  user_id      text        not null,
  status       text        not null default 'AVAILABLE' check (status in ('AVAILABLE', 'RESERVED', 'USED')),
  checkout_id  text,
  order_id     text,
  granted_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  primary key (coupon_id, user_id)
);
create index coupon_grants_user on coupon_grants (user_id) where status = 'AVAILABLE';
create index coupon_grants_checkout on coupon_grants (checkout_id) where checkout_id is not null;
