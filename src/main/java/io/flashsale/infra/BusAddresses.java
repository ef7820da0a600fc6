package io.flashsale.infra;

/** Every event bus address, in one place. */
public final class BusAddresses {

  /** Local publish of {@code key|version} when a view changed in Redis; {@code *|0} means "revalidate everything". */
  public static final String VIEW_INVALIDATED = "display.view-invalidated";

  /** Local publish of {@code soldout|product}, {@code available|product} or {@code reset} (after a reconnect). */
  public static final String STOCK_CHANGED = "inventory.stock-changed";

  /** Request: hold stock for a priced checkout. */
  public static final String INVENTORY_HOLD = "inventory.hold";
  /** Request: a checkout as PostgreSQL has it (its items, totals, status and expiry). */
  public static final String INVENTORY_CHECKOUT = "inventory.checkout";
  /** Request: release a checkout's hold (owner's DELETE or compensation). */
  public static final String INVENTORY_RELEASE = "inventory.release";
  /** Request: confirm a checkout (lock → versioned decrement → hold consumed). */
  public static final String INVENTORY_CONFIRM = "inventory.confirm";

  /** Request: make Redis's stock of one product follow PostgreSQL now (after an admin stock change). */
  public static final String INVENTORY_RECONCILE = "inventory.reconcile";

  /** Request: give back the units and limit of a cancelled order (after PostgreSQL took them back). */
  public static final String INVENTORY_RESTOCKED = "inventory.restocked";
  /** Request: place an order (run the saga). */
  public static final String ORDERS_PLACE = "orders.place";
  /** Request: cancel an order. */
  public static final String ORDERS_CANCEL = "orders.cancel";

  /** Local publish of a coupon id whose definition changed (or {@code *} after a reconnect). */
  public static final String COUPON_CHANGED = "coupons.changed";

  /** Prefix of the local addresses where the Kafka bridge republishes each domain topic: {@code kafka.in.orders}. */
  public static final String KAFKA_IN = "kafka.in.";
  /** Request: publish {@code {topic, key, value}} to Kafka (not durable — durable events go through the outbox). */
  public static final String KAFKA_OUT = "kafka.out";

  private BusAddresses() {
  }
}
