package io.flashsale.inventory;

/**
 * The SQL text of inventory (checkouts and the versioned stock decrement), in one place.
 *
 * <p>A statement that finds checkouts by id and checks that they are HELD takes the status as a parameter, not as the
 * literal {@code 'HELD'}: a literal matches the partial index of active holds ({@code checkouts_active}), and where the
 * statistics say few checkouts are HELD (true in a quiet hour, stale for up to a minute once a sale opens) PostgreSQL
 * reads every active hold and filters by id instead of looking the ids up — tens of thousands of rows a call in a
 * sale. With a parameter the kept generic plan (see {@code PgConfig}) can only be the key's ({@code KeyedPlansIT}).
 */
final class InventorySql {

  /**
   * New HELD checkouts with their lines, any number in one statement (a group commit): $1–$7 one element per checkout,
   * $8–$14 one per line, each line naming its checkout.
   */
  static final String INSERT_CHECKOUTS = """
      with c as (
        insert into checkouts (checkout_id, user_id, status, subtotal, discount, total, coupon_id, expires_at)
        select t.checkout_id, t.user_id, 'HELD', t.subtotal, t.discount, t.total, t.coupon_id, t.expires_at
        from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[])
          as t(checkout_id, user_id, subtotal, discount, total, coupon_id, expires_at))
      insert into checkout_items (checkout_id, product_id, position, quantity, unit_price, event_id, limit_per_user)
      select * from unnest($8::text[], $9::text[], $10::int[], $11::int[], $12::bigint[], $13::text[], $14::int[])""";

  static final String CHECKOUT = """
      select c.checkout_id, c.user_id, c.status, c.subtotal, c.discount, c.total, c.coupon_id, c.expires_at,
             i.product_id, i.quantity, i.unit_price, i.event_id, i.limit_per_user
      from checkouts c join checkout_items i on i.checkout_id = c.checkout_id
      where c.checkout_id = $1 order by i.position""";

  /**
   * Leaves HELD ($5) for RELEASED, or for EXPIRED ($4) only once the hold's time has come by $3 (the app's clock).
   */
  static final String GIVE_BACK = """
      update checkouts set status = $2, updated_at = now()
      where checkout_id = $1 and status = $5 and (not $4 or expires_at <= $3)""";

  static final String STATUS = "select status from checkouts where checkout_id = $1";

  static final String READ_STOCK = "select quantity, version from stock where product_id = $1";

  /**
   * A batch's stock rows, locked in the documented order (by product id, byte order like Java's sort whatever the
   * database's collation) as they are read.
   */
  static final String READ_STOCKS = """
      select product_id, quantity, version from stock where product_id = any($1)
      order by product_id collate "C" for update""";

  /** Layer 3 for a batch: each product's summed units, each against the version read (the fencing token). */
  static final String DECREMENT_STOCKS = """
      update stock s set quantity = s.quantity - t.units, version = s.version + 1, updated_at = now()
      from unnest($1::text[], $2::int[], $3::bigint[]) as t(product_id, units, version)
      where s.product_id = t.product_id and s.version = t.version and s.quantity >= t.units
      returning s.product_id, s.quantity, s.version""";

  /**
   * A batch's checkouts still HELD ($2), locked (after the stock rows, in the lock order) so none can leave HELD
   * meanwhile.
   */
  static final String HELD_AMONG = """
      select checkout_id from checkouts where checkout_id = any($1) and status = $2 for update""";

  /** A batch's checkouts HELD ($2) → CONFIRMED (each row waits for a give-back holding it, then is re-checked). */
  static final String CONFIRM_HELD = """
      update checkouts set status = 'CONFIRMED', updated_at = now()
      where checkout_id = any($1) and status = $2 returning checkout_id""";

  /** Layer 3: the decrement succeeds only against the version we read (the fencing token) and enough units. */
  static final String DECREMENT_STOCK = """
      update stock set quantity = quantity - $2, version = version + 1, updated_at = now()
      where product_id = $1 and version = $3 and quantity >= $2
      returning quantity, version""";

  /** A product that just sold out changes its views: bump them and tell the projector. */
  static final String BUMP_PRODUCT_VERSION = """
      update products set version = version + 1, updated_at = now() where product_id = $1 returning version""";

  static final String BUMP_EVENTS_OF_PRODUCTS = """
      update events set version = version + 1, updated_at = now()
      where event_id in (select event_id from event_items where product_id = any($1))""";

  /**
   * From the active holds (the partial index of HELD checkouts by expiry) to their items, not from each product's
   * items to their checkouts: the cost follows the holds alive now, not every checkout a product ever had (the
   * correlated form timed out a rebuild at 5 s on a bench database of 140k checkouts under the drills' load).
   */
  static final String STOCK_WITH_ACTIVE_HOLDS = """
      select s.product_id, s.quantity, coalesce(h.held, 0) as held
      from stock s left join (
        select i.product_id, sum(i.quantity) as held
        from checkouts c join checkout_items i on i.checkout_id = c.checkout_id
        where c.status = 'HELD' and c.expires_at > $2 and i.product_id = any($1)
        group by i.product_id) h on h.product_id = s.product_id
      where s.product_id = any($1)""";

  /**
   * A read whose best plan depends on its values — whether it names products, how many holds one product has — planned
   * for them in its own transaction (the pool keeps one generic plan per statement otherwise).
   */
  static final String PLANNED_FOR_ITS_VALUES = "set local plan_cache_mode = force_custom_plan";

  /** A rebuild's scan: exempt from the pool's short statement timeout, and planned for its values. */
  static final String SCAN_SETTINGS = "set local statement_timeout = '10min'; " + PLANNED_FOR_ITS_VALUES;

  static final String KNOWN_PRODUCTS = "select product_id from stock where product_id = any($1)";

  static final String ALL_PRODUCT_IDS = "select product_id from stock order by product_id";

  static final String ALL_QUANTITIES = "select product_id, quantity from stock";

  static final String ACTIVE_HOLDS = """
      select c.checkout_id, c.user_id, c.expires_at, i.product_id, i.quantity, i.limit_per_user, i.event_id
      from checkouts c join checkout_items i on i.checkout_id = c.checkout_id
      where c.status = 'HELD' and c.expires_at > $1 and ($2::text[] is null or i.product_id = any($2))
      order by c.checkout_id, i.position""";

  static final String LIMIT_COUNTERS = """
      select c.user_id, i.event_id, i.product_id, sum(i.quantity) as units
      from checkouts c join checkout_items i on i.checkout_id = c.checkout_id
      where i.limit_per_user > 0 and i.event_id is not null and ($2::text[] is null or i.product_id = any($2))
        and (c.status = 'CONFIRMED' or (c.status = 'HELD' and c.expires_at > $1))
        and not exists (select 1 from orders o where o.checkout_id = c.checkout_id and o.status = 'CANCELLED')
        and exists (select 1 from events e where e.event_id = i.event_id and e.ends_at > $1)
      group by c.user_id, i.event_id, i.product_id order by i.product_id""";

  private InventorySql() {
  }
}
