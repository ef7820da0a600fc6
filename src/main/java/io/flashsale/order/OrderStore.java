package io.flashsale.order;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.coupon.CouponStore;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.GroupedStatement;
import io.flashsale.infra.Topics;
import io.flashsale.inventory.Checkout;
import io.flashsale.inventory.StockLedger;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders in PostgreSQL: the saga's persisted state, its history (the times of its status changes, in its row), and the
 * OrderPlaced / OrderCancelled outbox rows (every compare-and-set of a step in one place, hence just over our usual
 * length).
 */
public final class OrderStore {

  public static final String ORDER_PLACED = "OrderPlaced";
  public static final String ORDER_CANCELLED = "OrderCancelled";

  private final Pool pool;
  private final Topics topics;
  private final CouponStore coupons;
  private final GroupedStatement<Place, Checkout> places = new GroupedStatement<>("order placements",
      2_000, 64, 1_000, 3_000, this::place);
  private final GroupedStatement<Capture, Void> captures = new GroupedStatement<>("capture records",
      2_000, 64, 1_000, 3_000, this::recordCaptures);

  /** A capture's answer to record, with the request's final answer when it has a key ({@code null}: none). */
  private record Capture(String orderId, String paymentStatus, AnswerKey key, int status, String body) {
  }

  public OrderStore(Pool pool, Topics topics) {
    this.pool = pool;
    this.topics = topics;
    this.coupons = new CouponStore(pool, topics);
  }

  /** Now, as PostgreSQL keeps time (microseconds): an order answered from memory shows what a read shows. */
  public static Instant now(java.time.Clock clock) {
    return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
  }

  /** A PENDING order just stored, and the checkout it was made of. */
  public record Placed(Order order, Checkout checkout) {
  }

  /**
   * Turns the shopper's open hold into a PENDING order made at {@code now}, reading the checkout in the same statement;
   * answers {@code null} when the checkout is not an open hold of this shopper (read it to say why), ALREADY_ORDERED
   * when it has a live order.
   */
  public Future<Placed> placeFromCheckout(String orderId, String checkoutId, String userId, Instant now) {
    // One statement with the orders placed at the same moment (a group commit); a duplicate order of a checkout fails
    // its batch, which then runs order by order so that only the duplicate is refused.
    return places.run(new Place(orderId, checkoutId, userId, now))
        .map(c -> c == null ? null : new Placed(pending(orderId, c, now), c))
        .recover(err -> Future.failedFuture(alreadyOrderedOr(err, checkoutId)));
  }

  /** An order to place from its checkout. */
  private record Place(String orderId, String checkoutId, String userId, Instant at) {
  }

  private Future<List<Checkout>> place(List<Place> ps) {
    return pool.preparedQuery(OrderSql.PLACE_FROM_CHECKOUTS).execute(Tuple.wrap(new Object[] {
        ps.stream().map(Place::orderId).toArray(String[]::new),
        ps.stream().map(Place::checkoutId).toArray(String[]::new),
        ps.stream().map(Place::userId).toArray(String[]::new),
        ps.stream().map(p -> p.at().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new), Checkout.HELD}))
        .map(rows -> {
          Map<String, List<Row>> lines = new HashMap<>();
          rows.forEach(r -> lines.computeIfAbsent(r.getString("order_id"), k -> new ArrayList<>()).add(r));
          List<Checkout> out = new ArrayList<>(ps.size());
          ps.forEach(p -> out.add(StockLedger.toCheckout(lines.getOrDefault(p.orderId(), List.of()))));
          return out;
        });
  }

  private static Throwable alreadyOrderedOr(Throwable err, String checkoutId) {
    if (err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return new ApiException(ErrorCode.ALREADY_ORDERED, "checkout '" + checkoutId + "' was already turned into an order",
          new JsonObject().put("checkoutId", checkoutId));
    }
    return err;
  }

  private static Order pending(String orderId, Checkout c, Instant createdAt) {
    List<Order.Item> items = new ArrayList<>(c.items().size());
    c.items().forEach(it -> items.add(new Order.Item(it.productId(), it.quantity(), it.unitPrice(), it.eventId())));
    return new Order(orderId, c.checkoutId(), c.userId(), Order.PENDING, SagaStep.STARTED, null, null, null,
        items, c.subtotal(), c.discount(), c.total(), c.couponId(), createdAt,
        List.of(new Order.HistoryEntry(Order.PENDING, createdAt)));
  }

  /**
   * Moves a PENDING order from step {@code from} to {@code to}; answers false when it was not there any more (a
   * recovery sweep or the saga moved or failed it first) — the caller must then not act on the old step.
   */
  public Future<Boolean> advance(String orderId, String from, String to, String paymentId, String paymentStatus) {
    return pool.preparedQuery(OrderSql.ADVANCE)
        .execute(Tuple.of(orderId, from, to, paymentId, paymentStatus, Order.PENDING))
        .map(rs -> rs.rowCount() == 1);
  }

  /** A FAILED order's money-side step and the provider's status. */
  public Future<Void> settleFailed(String orderId, String step, String paymentStatus) {
    return pool.preparedQuery(OrderSql.SETTLE_FAILED).execute(Tuple.of(orderId, step, paymentStatus)).mapEmpty();
  }

  /** PENDING → CONFIRMED and the OrderPlaced event, in one transaction; answers false if not PENDING. */
  public Future<Boolean> confirm(Order o) {
    return pool.withTransaction(tx -> tx.preparedQuery(OrderSql.CONFIRM).execute(Tuple.of(o.orderId(), Order.PENDING))
        .compose(rs -> rs.rowCount() == 0 ? Future.succeededFuture(false)
            // The coupon was redeemed in the transaction that took the stock (StockLedger.confirm).
            : OutboxStore.append(tx, List.of(OutboxEvent.of(topics.orders(), "order", o.orderId(), ORDER_PLACED, 1,
                payload(o, Order.CONFIRMED)))).map(true)));
  }

  /** PENDING at step {@code from} → FAILED at {@code step}; answers false when the order had moved on. */
  public Future<Boolean> fail(String orderId, String from, String step, String failureCode) {
    return pool.preparedQuery(OrderSql.FAIL).execute(Tuple.of(orderId, step, failureCode, from, Order.PENDING))
        .map(rs -> rs.rowCount() == 1);
  }

  /**
   * CONFIRMED → CANCELLED, the units back into PostgreSQL, the views told, and OrderCancelled, in one transaction;
   * answers false when the order was not CONFIRMED (a second cancel does nothing).
   */
  public Future<Boolean> cancel(Order o, String paymentStatus) {
    return pool.withTransaction(tx -> tx.preparedQuery(OrderSql.CANCEL).execute(Tuple.of(o.orderId(), paymentStatus))
        .compose(rs -> {
          if (rs.rowCount() == 0) {
            return Future.succeededFuture(false);
          }
          // The documented lock order: every stock row (by product id), then the products, then their events.
          List<Order.Item> items = new ArrayList<>(o.items());
          items.sort(java.util.Comparator.comparing(Order.Item::productId));
          String[] productIds = items.stream().map(Order.Item::productId).toArray(String[]::new);
          Future<Void> chain = Future.succeededFuture();
          List<OutboxEvent> events = new ArrayList<>();
          for (Order.Item item : items) {
            chain = chain.compose(x -> tx.preparedQuery(OrderSql.RESTOCK).execute(Tuple.of(item.productId(),
                item.quantity()))).mapEmpty();
          }
          for (Order.Item item : items) {
            chain = chain.compose(x -> tx.preparedQuery(OrderSql.BUMP_PRODUCT_VERSION).execute(Tuple.of(item.productId())))
                .map(v -> {
                  events.add(OutboxEvent.of(topics.products(), "product", item.productId(), CatalogStore.STOCK_SET,
                      v.iterator().next().getLong(0), new JsonObject().put("productId", item.productId())
                          .put("restocked", item.quantity())));
                  return null;
                });
          }
          chain = chain.compose(x -> tx.preparedQuery(OrderSql.BUMP_EVENTS_OF_PRODUCTS).execute(Tuple.of((Object) productIds)))
              .mapEmpty();
          return chain.compose(x -> coupons.restoreUsed(tx, o.orderId())).compose(x -> {
            events.add(OutboxEvent.of(topics.orders(), "order", o.orderId(), ORDER_CANCELLED, 2,
                payload(o, Order.CANCELLED)));
            return OutboxStore.append(tx, events);
          }).map(true);
        }));
  }

  public Future<Void> touch(String orderId) {
    return pool.preparedQuery(OrderSql.TOUCH).execute(Tuple.of(orderId)).mapEmpty();
  }

  /** Recovery could not settle the order this time: the next attempt waits twice as long (capped). */
  public Future<Void> backOff(String orderId) {
    return pool.preparedQuery(OrderSql.BACK_OFF).execute(Tuple.of(orderId)).mapEmpty();
  }

  /** Records a capture's answer, unless the order was cancelled meanwhile (then the cancel's money-back rules). */
  public Future<Void> recordCapture(String orderId, String paymentStatus) {
    return captures.run(new Capture(orderId, paymentStatus, null, 0, null));
  }

  /**
   * Records a capture's answer and stores the request's final answer under its key, in one round trip (shared with
   * the orders captured at the same moment).
   */
  public Future<Void> recordCaptureAndAnswer(String orderId, String paymentStatus, AnswerKey key, int status,
                                             String body) {
    return captures.run(new Capture(orderId, paymentStatus, key, status, body));
  }

  private Future<List<Void>> recordCaptures(List<Capture> cs) {
    return pool.preparedQuery(OrderSql.RECORD_CAPTURES).execute(Tuple.wrap(new Object[] {
        cs.stream().map(Capture::orderId).toArray(String[]::new),
        cs.stream().map(Capture::paymentStatus).toArray(String[]::new),
        cs.stream().map(c -> c.key() == null ? null : c.key().userId()).toArray(String[]::new),
        cs.stream().map(c -> c.key() == null ? null : c.key().key()).toArray(String[]::new),
        cs.stream().map(c -> c.key() == null ? null : c.status()).toArray(Integer[]::new),
        cs.stream().map(Capture::body).toArray(String[]::new)})).map(rs -> Collections.nCopies(cs.size(), null));
  }

  /** Where the HTTP request that placed an order keeps its answer (its user's Idempotency-Key). */
  public record AnswerKey(String userId, String key) {
  }

  /** Records that a cancelled order's money came back. */
  public Future<Void> recordMoneyBack(String orderId, String paymentStatus) {
    return pool.preparedQuery(OrderSql.RECORD_MONEY_BACK).execute(Tuple.of(orderId, paymentStatus)).mapEmpty();
  }

  /** How many orders owe a payment step, and the age in seconds of the oldest. */
  public Future<long[]> unresolvedPayments() {
    return pool.query(OrderSql.UNRESOLVED_PAYMENTS).execute().map(rs -> {
      Row r = rs.iterator().next();
      return new long[] {r.getLong(0), r.getLong(1)};
    });
  }

  /** The order with its items and history, or {@code null}. */
  public Future<Order> get(String orderId) {
    return pool.preparedQuery(OrderSql.ORDER).execute(Tuple.of(orderId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      List<Order.Item> items = new ArrayList<>();
      Row first = null;
      for (Row r : rows) {
        first = first == null ? r : first;
        items.add(new Order.Item(r.getString("product_id"), r.getInteger("quantity"), r.getLong("unit_price"),
            r.getString("event_id")));
      }
      return new Order(first.getString("order_id"), first.getString("checkout_id"), first.getString("user_id"),
          first.getString("status"), first.getString("saga_step"), first.getString("payment_id"),
          first.getString("payment_status"), first.getString("failure_code"), items, first.getLong("subtotal"),
          first.getLong("discount"), first.getLong("total"), first.getString("coupon_id"),
          first.getOffsetDateTime("created_at").toInstant(), history(first));
    });
  }

  /** The statuses the order went through, in the order they can happen, each at the time its column keeps. */
  private static List<Order.HistoryEntry> history(Row order) {
    List<Order.HistoryEntry> history = new ArrayList<>(3);
    addIfReached(history, Order.PENDING, order.getOffsetDateTime("created_at"));
    addIfReached(history, Order.CONFIRMED, order.getOffsetDateTime("confirmed_at"));
    addIfReached(history, Order.FAILED, order.getOffsetDateTime("failed_at"));
    addIfReached(history, Order.CANCELLED, order.getOffsetDateTime("cancelled_at"));
    return history;
  }

  private static void addIfReached(List<Order.HistoryEntry> history, String status, OffsetDateTime at) {
    if (at != null) {
      history.add(new Order.HistoryEntry(status, at.toInstant()));
    }
  }

  public Future<String> liveOrderOf(String checkoutId) {
    return pool.preparedQuery(OrderSql.LIVE_ORDER_OF_CHECKOUT).execute(Tuple.of(checkoutId))
        .map(rs -> rs.size() == 0 ? null : rs.iterator().next().getString(0));
  }

  /**
   * Orders a saga left unsettled — PENDING, a capture, void or refund owed — and untouched for {@code pauseMillis}
   * (doubled per failed recovery attempt).
   */
  public Future<List<String>> stalled(long pauseMillis) {
    return pool.preparedQuery(OrderSql.STALLED).execute(Tuple.of(pauseMillis)).map(rs -> {
      List<String> ids = new ArrayList<>();
      rs.forEach(r -> ids.add(r.getString(0)));
      return ids;
    });
  }

  /** OrderPlaced's payload for an order made of checkout {@code c} (the same lines, prices and total). */
  static JsonObject placedPayload(String orderId, Checkout c) {
    return payload(pending(orderId, c, null), Order.CONFIRMED);
  }

  private static JsonObject payload(Order o, String status) {
    JsonArray items = new JsonArray();
    o.items().forEach(i -> items.add(new JsonObject().put("productId", i.productId()).put("quantity", i.quantity())
        .put("unitPrice", i.unitPrice()).put("eventId", i.eventId())));
    return new JsonObject().put("orderId", o.orderId()).put("userId", o.userId()).put("checkoutId", o.checkoutId())
        .put("status", status).put("items", items).put("total", o.total()).put("couponId", o.couponId());
  }
}
