-- The write model: the truth every read model follows.
-- Each row that feeds a view carries a version bumped by every transaction that changes what the view shows,
-- so a view built from one snapshot has a version that orders it against every other build of the same view.

create table products (
  product_id  text primary key,
  name        text        not null,
  brand       text        not null,
  category    text        not null,
  price       bigint      not null check (price >= 0),
  image_url   text        not null default '',
  version     bigint      not null default 1,
  updated_at  timestamptz not null default now()
);
create index products_brand on products (brand);
create index products_category on products (category);

-- Sellable stock; version is the optimistic-lock fencing token of the decrement (not the view version).
create table stock (
  product_id  text primary key references products (product_id),
  quantity    bigint      not null check (quantity >= 0),
  version     bigint      not null default 1,
  updated_at  timestamptz not null default now()
);

create table events (
  event_id    text primary key,
  title       text        not null,
  starts_at   timestamptz not null,
  ends_at     timestamptz not null,
  version     bigint      not null default 1,
  updated_at  timestamptz not null default now(),
  check (ends_at > starts_at)
);

create table event_items (
  event_id        text   not null references events (event_id) on delete cascade,
  product_id      text   not null references products (product_id),
  position        int    not null,
  sale_price      bigint not null check (sale_price >= 0),
  limit_per_user  int    not null check (limit_per_user >= 1),
  primary key (event_id, product_id)
);
create index event_items_product on event_items (product_id);

create table users (
  user_id     text primary key,
  grade       text        not null,
  version     bigint      not null default 1,
  updated_at  timestamptz not null default now()
);

-- Transactional outbox: a row per committed change, published to Kafka by the relay in id order.
create table outbox (
  id              bigserial primary key,
  event_id        uuid        not null unique,
  topic           text        not null,
  aggregate_type  text        not null,
  aggregate_id    text        not null,
  event_type      text        not null,
  version         bigint      not null,
  payload         jsonb       not null,
  created_at      timestamptz not null default now(),
  sent_at         timestamptz
);
create index outbox_pending on outbox (id) where sent_at is null;

-- Wakes the relay at commit; the relay also sweeps periodically in case a notification is missed.
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('outbox', '');
  return null;
end $$;

create trigger outbox_after_insert after insert on outbox
  for each statement execute function outbox_notify();
