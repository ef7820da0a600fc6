package io.flashsale.catalog;

/**
 * The SQL text of the catalog write model, in one place. Row locks are taken in the order stock → products → events
 * (README, "Lock order"), the order a confirm that sells out and a cancel that restocks take them in.
 */
final class CatalogSql {

  static final String LOCK_EVENTS_OF_PRODUCT = """
      select e.event_id from events e join event_items i on i.event_id = e.event_id
      where i.product_id = $1 order by e.event_id for update of e""";

  static final String UPSERT_PRODUCT = """
      insert into products (product_id, name, brand, category, price, image_url)
      values ($1, $2, $3, $4, $5, $6)
      on conflict (product_id) do update set name = excluded.name, brand = excluded.brand,
        category = excluded.category, price = excluded.price, image_url = excluded.image_url,
        version = products.version + 1, updated_at = now()
      returning product_id, name, brand, category, price, image_url, version""";

  static final String ENSURE_STOCK_ROW =
      "insert into stock (product_id, quantity) values ($1, 0) on conflict (product_id) do nothing";

  static final String BUMP_EVENTS = """
      update events set version = version + 1, updated_at = now() where event_id = any($1)""";

  /** Sets the stock; with $3 (If-Match) only while the row is still at that version. */
  static final String SET_STOCK = """
      insert into stock (product_id, quantity) values ($1, $2)
      on conflict (product_id) do update set quantity = excluded.quantity, version = stock.version + 1,
        updated_at = now()
      where $3::bigint is null or stock.version = $3
      returning product_id, quantity, version""";

  /** Adds $2 (may be negative) to the stock, never below zero. */
  static final String ADJUST_STOCK = """
      update stock set quantity = quantity + $2, version = version + 1, updated_at = now()
      where product_id = $1 and quantity + $2 >= 0
      returning product_id, quantity, version""";

  static final String STOCK_OF = "select product_id, quantity, version from stock where product_id = $1";

  /** Takes the products' row locks in product-id order (the lock order), before an event's row. */
  static final String LOCK_PRODUCTS = """
      select product_id from products where product_id = any($1) order by product_id for update""";

  static final String BUMP_PRODUCT = """
      update products set version = version + 1, updated_at = now() where product_id = $1 returning version""";

  static final String BUMP_PRODUCTS = """
      update products set version = version + 1, updated_at = now() where product_id = any($1)""";

  static final String PRODUCT_PRICES = "select product_id, price from products where product_id = any($1)";

  static final String UPSERT_EVENT = """
      insert into events (event_id, title, starts_at, ends_at, queue, queue_version)
      values ($1, $2, $3, $4, $5::jsonb, case when $5::jsonb is null then 0 else 1 end)
      on conflict (event_id) do update set title = excluded.title, starts_at = excluded.starts_at,
        ends_at = excluded.ends_at, version = events.version + 1, updated_at = now(),
        -- An upsert without "queue" keeps the room as it is (a tool that fixes a title mid-sale must not switch the
        -- queue off); one with "queue" replaces its settings, but the operator's pause and the generation stay (a
        -- generation never goes back, or tokens of the newer one would be refused).
        queue = case when excluded.queue is null then events.queue else excluded.queue
          || jsonb_build_object('paused', coalesce(events.queue -> 'paused', 'false'::jsonb),
                                'generation', coalesce(events.queue -> 'generation', '0'::jsonb)) end,
        -- Dates move the room too (its window is part of its settings in Redis).
        queue_version = events.queue_version + case when events.queue is null and excluded.queue is null then 0 else 1 end
      returning version, queue""";

  static final String EVENT_ITEM_IDS = "select product_id from event_items where event_id = $1";

  static final String DELETE_EVENT_ITEMS = "delete from event_items where event_id = $1";

  static final String INSERT_EVENT_ITEM = """
      insert into event_items (event_id, product_id, position, sale_price, limit_per_user)
      values ($1, $2, $3, $4, $5)""";

  /** Another event that sells one of these products during an overlapping window. */
  static final String OVERLAPPING_EVENT = """
      select i.product_id, e.event_id from event_items i join events e on e.event_id = i.event_id
      where i.product_id = any($1) and e.event_id <> $2 and e.starts_at < $4 and e.ends_at > $3 limit 1""";

  static final String UPSERT_USER = """
      insert into users (user_id, grade) values ($1, $2)
      on conflict (user_id) do update set grade = excluded.grade, version = users.version + 1, updated_at = now()
      returning version""";

  /** The boundary clock, unless another instance holds it. */
  static final String CLAIM_BOUNDARY_CLOCK =
      "select announced_to from boundary_clock where id = 1 for update skip locked";

  /** Events that opened or closed in (announced_to, now]. */
  static final String EVENTS_CROSSING = """
      select event_id, starts_at, ends_at from events
      where (starts_at > $1 and starts_at <= now()) or (ends_at > $1 and ends_at <= now())
      order by event_id""";

  /** The lock order: the events' products, by id, before they are bumped (and before the events' rows). */
  static final String LOCK_PRODUCTS_OF_EVENTS = """
      select product_id from products
      where product_id in (select product_id from event_items where event_id = any($1))
      order by product_id for update""";

  static final String BUMP_PRODUCTS_OF_EVENTS = """
      with affected as (
        select distinct i.event_id, i.product_id from event_items i where i.event_id = any($1)),
      bumped as (
        update products p set version = p.version + 1, updated_at = now()
        where p.product_id in (select product_id from affected) returning p.product_id)
      select a.event_id, a.product_id from affected a join bumped b on b.product_id = a.product_id""";

  static final String BUMP_EVENTS_RETURNING = """
      update events set version = version + 1, updated_at = now() where event_id = any($1)
      returning event_id, version""";

  /** Milliseconds until the next start or end of any event (null when none is coming). */
  static final String NEXT_BOUNDARY_IN = """
      select (extract(epoch from least(
                (select min(starts_at) from events where starts_at > now()),
                (select min(ends_at) from events where ends_at > now())) - now()) * 1000)::bigint""";

  static final String MOVE_BOUNDARY_CLOCK = "update boundary_clock set announced_to = now() where id = 1";

  private CatalogSql() {
  }
}
