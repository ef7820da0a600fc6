package io.flashsale.order;

/**
 * The SQL text of orders, in one place.
 *
 * <p>A statement that finds orders (or checkouts) by id and checks their status takes the status as a parameter, not as
 * a literal: a literal {@code 'PENDING'} ({@code 'HELD'}) matches the partial index of pending orders (active holds),
 * and where the statistics say there are few PostgreSQL reads them all and filters by id instead of looking the ids up
 * — every pending order of a backlog, every hold of a sale, at each call. With a parameter the kept generic plan (see
 * {@code PgConfig}) can only be the key's ({@code KeyedPlansIT}).
 */
final class OrderSql {

  /**
   * The usual start of a saga, for any number of orders in one statement (a group commit; $1 order ids, $2 checkouts,
   * $3 users, $4 times): each checkout that is its shopper's open hold at its time becomes a PENDING order made then
   * (its lines are the checkout's: see {@link #ORDER}), and its lines are answered as StockLedger reads a checkout,
   * with the order id first. No rows for an order: not an open hold of this shopper (the caller reads the checkout to
   * say why); a live order already: 23505 (for the whole statement). $5 is HELD.
   */
  static final String PLACE_FROM_CHECKOUTS = """
      with t as (
        select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) as t(order_id, checkout_id, user_id, at)),
      c as (
        select t.order_id, t.at, ch.checkout_id, ch.user_id, ch.status, ch.subtotal, ch.discount, ch.total, ch.coupon_id,
               ch.expires_at
        from t join checkouts ch on ch.checkout_id = t.checkout_id and ch.user_id = t.user_id and ch.status = $5
          and ch.expires_at > t.at),
      o as (
        insert into orders (order_id, checkout_id, user_id, status, saga_step, subtotal, discount, total, coupon_id,
                            created_at, updated_at)
        select c.order_id, c.checkout_id, c.user_id, 'PENDING', 'STARTED', c.subtotal, c.discount, c.total, c.coupon_id,
               c.at, now()
        from c)
      select c.order_id, c.checkout_id, c.user_id, c.status, c.subtotal, c.discount, c.total, c.coupon_id, c.expires_at,
             ci.product_id, ci.quantity, ci.unit_price, ci.event_id, ci.limit_per_user
      from c join checkout_items ci on ci.checkout_id = c.checkout_id order by c.order_id, ci.position""";

  /**
   * Orders confirmed with their stock, in the stock's transaction (one statement for a whole batch): each PENDING
   * order of its checkout, at STARTED with the payment just authorised ($3) or at PAYMENT_AUTHORIZED, becomes
   * CONFIRMED then; answers the ids it moved (compare-and-set, like {@link #ADVANCE}). $4 is PENDING.
   */
  static final String CONFIRM_WITH_STOCK = """
      update orders set status = 'CONFIRMED', saga_step = 'DONE', payment_id = coalesce(t.payment_id, orders.payment_id),
        payment_status = case when t.payment_id is null then orders.payment_status else 'AUTHORIZED' end,
        recovery_attempts = 0, confirmed_at = now(), updated_at = now()
      from unnest($1::text[], $2::text[], $3::text[]) as t(order_id, checkout_id, payment_id)
      where orders.order_id = t.order_id and orders.checkout_id = t.checkout_id and orders.status = $4
        and (orders.saga_step = 'PAYMENT_AUTHORIZED' or (orders.saga_step = 'STARTED' and t.payment_id is not null))
      returning orders.order_id""";

  /**
   * A PENDING ($6) order moves from step $2 to step $3 (with the payment's id and status when given) — compare-and-set,
   * so a saga and a recovery sweep working on one order cannot both move it, nor move an order the other failed.
   */
  static final String ADVANCE = """
      update orders set saga_step = $3, payment_id = coalesce($4, payment_id),
        payment_status = coalesce($5, payment_status), recovery_attempts = 0, updated_at = now()
      where order_id = $1 and status = $6 and saga_step = $2""";

  /** A FAILED order's money-side step (VOID_PENDING → COMPENSATED) and the provider's status. */
  static final String SETTLE_FAILED = """
      update orders set saga_step = $2, payment_status = coalesce($3, payment_status), recovery_attempts = 0,
        updated_at = now()
      where order_id = $1 and status = 'FAILED'""";

  /** PENDING ($2) → CONFIRMED. */
  static final String CONFIRM = """
      update orders set status = 'CONFIRMED', saga_step = 'DONE', confirmed_at = now(), updated_at = now()
      where order_id = $1 and status = $2""";

  /** PENDING ($5) at step $4 → FAILED at step $2 (compare-and-set, like {@link #ADVANCE}). */
  static final String FAIL = """
      update orders set status = 'FAILED', saga_step = $2, failure_code = $3, failed_at = now(), updated_at = now()
      where order_id = $1 and status = $5 and saga_step = $4""";

  /** An order with its lines, which are its checkout's (migration V12; {@code order_items} is a view of them). */
  static final String ORDER = """
      select o.*, i.product_id, i.quantity, i.unit_price, i.event_id
      from orders o join checkout_items i on i.checkout_id = o.checkout_id where o.order_id = $1 order by i.position""";

  static final String LIVE_ORDER_OF_CHECKOUT = """
      select order_id from orders where checkout_id = $1 and status <> 'FAILED'""";

  /** What recovery must settle. */
  private static final String UNSETTLED = """
      (status = 'PENDING'
         or (status = 'CONFIRMED' and payment_status = 'AUTHORIZED')
         or (status = 'FAILED' and saga_step in ('PAYMENT_UNKNOWN', 'VOID_PENDING'))
         or (status = 'CANCELLED' and payment_status = 'REFUND_PENDING'))""";

  /**
   * Unsettled orders untouched for the base pause ($1 ms) doubled per failed attempt (capped at 32×), oldest first;
   * {@code for update skip locked} would need a transaction, so two instances may both look — every step is idempotent.
   */
  static final String STALLED = "select order_id from orders where " + UNSETTLED + """

        and updated_at < now() - ($1::bigint * (1 << least(recovery_attempts, 5))) * interval '1 millisecond'
      order by updated_at limit 100""";

  /** Orders whose money is owed a step (capture, void or refund), and the age of the oldest, for /metrics. */
  static final String UNRESOLVED_PAYMENTS = """
      select count(*), coalesce(extract(epoch from now() - min(updated_at)), 0)::bigint from orders
      where (status = 'CONFIRMED' and payment_status = 'AUTHORIZED')
         or (status = 'FAILED' and saga_step in ('PAYMENT_UNKNOWN', 'VOID_PENDING'))
         or (status = 'CANCELLED' and payment_status = 'REFUND_PENDING')""";

  /**
   * Captures' answers, for any number of orders in one statement (a group commit): each counts only while its order is
   * still CONFIRMED (a cancel may have overtaken it); where a key is given, the request's final answer is stored under
   * it in the same statement, so the end of a placed order is one round trip. $1 orders, $2 payment statuses, $3–$6
   * users, keys (null: none), answer statuses and bodies.
   */
  static final String RECORD_CAPTURES = """
      with t as (
        select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
          as t(order_id, payment_status, user_id, key, status_code, response)),
      c as (
        update orders o set payment_status = t.payment_status, saga_step = 'DONE', recovery_attempts = 0,
               updated_at = now()
        from t where o.order_id = t.order_id and o.status = 'CONFIRMED')
      update idempotency_keys k set status_code = t.status_code, response = t.response, completed_at = now()
      from t where t.key is not null and k.user_id = t.user_id and k.key = t.key""";  // COMPLETE_KEY's columns too

  /** The money of a cancelled order came back (VOIDED or REFUNDED). */
  static final String RECORD_MONEY_BACK = """
      update orders set payment_status = $2, recovery_attempts = 0, updated_at = now()
      where order_id = $1 and status = 'CANCELLED'""";

  static final String CANCEL = """
      update orders set status = 'CANCELLED', payment_status = $2, cancelled_at = now(), updated_at = now()
      where order_id = $1 and status = 'CONFIRMED'""";

  static final String RESTOCK = """
      update stock set quantity = quantity + $2, version = version + 1, updated_at = now() where product_id = $1""";

  static final String BUMP_PRODUCT_VERSION = """
      update products set version = version + 1, updated_at = now() where product_id = $1 returning version""";

  static final String BUMP_EVENTS_OF_PRODUCTS = """
      update events set version = version + 1, updated_at = now()
      where event_id in (select event_id from event_items where product_id = any($1))""";

  static final String TOUCH = "update orders set updated_at = now() where order_id = $1";

  /** A recovery attempt that could not settle the order: try again after a longer pause. */
  static final String BACK_OFF = """
      update orders set updated_at = now(), recovery_attempts = recovery_attempts + 1 where order_id = $1""";

  // ------------------------------------------------------------------ idempotency keys

  /** Claims the key (or re-claims one a dead process left in flight past 120 s): a row back means run the request. */
  /**
   * First uses of keys, any number in one statement (a group commit): a key is taken when it is new, or when a dead
   * process left it in flight past 120 s with the same body; a row for each key it took.
   */
  static final String BEGIN_KEYS = """
      insert into idempotency_keys (user_id, key, request_hash)
      select * from unnest($1::text[], $2::text[], $3::text[])
      on conflict (user_id, key) do update set created_at = now()
        where idempotency_keys.completed_at is null
          and idempotency_keys.created_at < now() - interval '120 seconds'
          and idempotency_keys.request_hash = excluded.request_hash
      returning user_id, key""";

  static final String READ_KEY = """
      select request_hash, status_code, response, completed_at from idempotency_keys where user_id = $1 and key = $2""";

  /** The stored answer; {@link #RECORD_CAPTURES} writes the same columns with the order's capture. */
  static final String COMPLETE_KEY = """
      update idempotency_keys set status_code = $3, response = $4, completed_at = now()
      where user_id = $1 and key = $2""";

  static final String ABANDON_KEY = """
      delete from idempotency_keys where user_id = $1 and key = $2 and completed_at is null""";

  /** Up to $2 keys completed longer ago than $1 seconds, and up to $2 left in flight that long by a dead process. */
  static final String EXPIRE_KEYS = """
      delete from idempotency_keys where ctid = any(array(
        (select ctid from idempotency_keys where completed_at < now() - $1::bigint * interval '1 second' limit $2)
        union all
        (select ctid from idempotency_keys
         where completed_at is null and created_at < now() - $1::bigint * interval '1 second' limit $2)))""";

  private OrderSql() {
  }
}
