package io.flashsale.bench;

import io.flashsale.inventory.Inventory;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.flashsale.bench.Drills.scalar;
import static io.flashsale.bench.Drills.waitFor;

/**
 * The drills' invariant checker: waits (bounded) until the system has settled — outbox drained, no order PENDING, no
 * capture, void or refund owed, every OrderPlaced in the points ledger — then checks the final state of PostgreSQL,
 * Redis, the provider's books and the load's own records. Jepsen-style: the faults may do anything to the timing;
 * only the final state is judged.
 */
final class DrillChecker {

  static final String INVARIANTS = "per product, units that left PostgreSQL stock = units of live (CONFIRMED) orders,"
      + " never more than the stock; Redis available + held = PostgreSQL after a reconcile, and Redis holds ≥"
      + " PostgreSQL's active holds; every order answered 201 exists once, CONFIRMED (or CANCELLED by its shopper);"
      + " no checkout has two live orders; every captured payment belongs to a CONFIRMED order, every CONFIRMED order"
      + " is captured, no authorisation is left, every CANCELLED order's money came back (VOIDED or REFUNDED), and"
      + " money captured = money of live orders; each coupon grant is redeemed at most once, and redeemed iff its"
      + " order is live; no shopper holds more than limitPerUser units in live orders; every SOLD_OUT said fewer"
      + " units were left than asked; every OrderPlaced reached the points ledger exactly once; the display path"
      + " never answered 5xx.";

  /** The drill's orders: those with an item of the drill's products ($1). */
  private static final String DRILL_ORDERS = """
      select o.* from orders o
      where exists (select 1 from order_items i where i.order_id = o.order_id and i.product_id = any($1))""";

  private final Pool pool;
  private final Inventory inventory;
  private final long stock;
  private final int limitPerUser;

  DrillChecker(Pool pool, Inventory inventory, long stock, int limitPerUser) {
    this.pool = pool;
    this.inventory = inventory;
    this.stock = stock;
    this.limitPerUser = limitPerUser;
  }

  List<String> check(List<String> products, DrillLoad load) throws Exception {
    List<String> failures = new ArrayList<>();
    Tuple ids = Tuple.of((Object) products.toArray(String[]::new));
    if (!waitFor(Duration.ofSeconds(180), () -> count("""
        select (select count(*) from outbox where sent_at is null)
             + (select count(*) from (%s) o where o.status = 'PENDING'
                  or (o.status = 'CONFIRMED' and o.payment_status = 'AUTHORIZED')
                  or (o.status = 'FAILED' and o.saga_step in ('PAYMENT_UNKNOWN', 'VOID_PENDING'))
                  or (o.status = 'CANCELLED' and o.payment_status = 'REFUND_PENDING'))
             + (select count(*) from (%s) o where o.status = 'CONFIRMED'
                and not exists (select 1 from points_ledger l where l.order_id = o.order_id and l.reason = 'ORDER_PLACED'))"""
        .formatted(DRILL_ORDERS, DRILL_ORDERS), ids) == 0)) {
      failures.add("did not settle in 180 s (outbox, pending sagas, payments owed or ledger behind)");
    }
    stock(products, failures);
    redisFollows(products, failures);
    for (String orderId : load.confirmedOrders) {
      long n = count("select count(*) from orders where order_id = $1 and status in ('CONFIRMED', 'CANCELLED')",
          Tuple.of(orderId));
      if (n != 1) {
        failures.add("order " + orderId + " answered 201 but is not CONFIRMED (or CANCELLED by its shopper) once");
      }
    }
    expectNone(failures, "checkout(s) with two live orders", """
        select count(*) from (select checkout_id from (%s) o where o.status <> 'FAILED' group by checkout_id
        having count(*) > 1) x""".formatted(DRILL_ORDERS), ids);
    money(failures, ids);
    coupons(failures, ids);
    expectNone(failures, "shopper(s) above limitPerUser in live orders", """
        select count(*) from (select o.user_id, i.product_id from (%s) o join order_items i on i.order_id = o.order_id
        where o.status = 'CONFIRMED' group by o.user_id, i.product_id having sum(i.quantity) > %d) x"""
        .formatted(DRILL_ORDERS, limitPerUser), ids);
    synchronized (load.wrongSoldOut) {
      if (!load.wrongSoldOut.isEmpty()) {
        failures.add("SOLD_OUT answered while as many units as asked were left (or without saying how many): "
            + load.wrongSoldOut);
      }
    }
    expectNone(failures, "order(s) with points granted twice", """
        select count(*) from (select l.order_id from points_ledger l join order_items i on i.order_id = l.order_id
        where i.product_id = any($1) and l.reason = 'ORDER_PLACED' group by l.order_id having count(*) > 1) x""", ids);
    long display5xx = load.display.entrySet().stream()
        .filter(e -> e.getKey().startsWith("5") || e.getKey().startsWith("IO")).mapToLong(Map.Entry::getValue).sum();
    if (display5xx > 0) {
      failures.add("display path answered 5xx or failed " + display5xx + " times: " + load.display);
    }
    if (load.confirmedOrders.isEmpty()) {
      failures.add("no order was confirmed during the drill");
    }
    return failures;
  }

  private void stock(List<String> products, List<String> failures) {
    for (String p : products) {
      long live = count("""
          select coalesce(sum(i.quantity), 0) from order_items i join orders o on o.order_id = i.order_id
          where i.product_id = $1 and o.status = 'CONFIRMED'""", Tuple.of(p));
      long pg = count("select quantity from stock where product_id = $1", Tuple.of(p));
      if (live > stock) {
        failures.add(p + " oversold: " + live + " > " + stock);
      }
      if (stock - pg != live) {
        failures.add(p + ": " + (stock - pg) + " units left PostgreSQL stock, live orders hold " + live);
      }
    }
  }

  private void redisFollows(List<String> products, List<String> failures) throws Exception {
    inventory.recovery().reconcile(products).await(60, TimeUnit.SECONDS);
    for (String p : products) {
      long pg = count("select quantity from stock where product_id = $1", Tuple.of(p));
      long held = count("""
          select coalesce(sum(i.quantity), 0) from checkout_items i join checkouts c on c.checkout_id = i.checkout_id
          where i.product_id = $1 and c.status = 'HELD' and c.expires_at > now()""", Tuple.of(p));
      long[] stock = inventory.cache().stock(p).await(10, TimeUnit.SECONDS);
      Long available = stock == null ? null : stock[0];
      long redisHeld = stock == null ? 0 : stock[1];
      if (available == null || available + redisHeld != pg) {
        failures.add(p + " Redis available " + available + " + held " + redisHeld + " ≠ PostgreSQL " + pg);
      }
      if (redisHeld < held) {
        failures.add(p + " Redis holds " + redisHeld + " < PostgreSQL's active holds " + held);
      }
    }
  }

  /** Money: the provider's books against the orders. */
  private void money(List<String> failures, Tuple ids) {
    String payments = "sim_payments p join (" + DRILL_ORDERS + ") o on o.order_id = p.idempotency_key";
    expectNone(failures, "captured payment(s) whose order is not CONFIRMED",
        "select count(*) from " + payments + " where p.status = 'CAPTURED' and o.status <> 'CONFIRMED'", ids);
    expectNone(failures, "authorisation(s) left without a capture, void or refund",
        "select count(*) from " + payments + " where p.status = 'AUTHORIZED'", ids);
    expectNone(failures, "CONFIRMED order(s) whose payment is not captured", """
        select count(*) from (%s) o where o.status = 'CONFIRMED'
        and not exists (select 1 from sim_payments p where p.idempotency_key = o.order_id and p.status = 'CAPTURED')"""
        .formatted(DRILL_ORDERS), ids);
    expectNone(failures, "CANCELLED order(s) whose money did not come back", """
        select count(*) from (%s) o where o.status = 'CANCELLED'
        and not exists (select 1 from sim_payments p where p.idempotency_key = o.order_id
                        and p.status in ('VOIDED', 'REFUNDED'))""".formatted(DRILL_ORDERS), ids);
    long captured = count("select coalesce(sum(p.amount), 0) from " + payments + " where p.status = 'CAPTURED'", ids);
    long live = count("select coalesce(sum(o.total), 0) from (" + DRILL_ORDERS + ") o where o.status = 'CONFIRMED'", ids);
    if (captured != live) {
      failures.add("money captured " + captured + " ≠ money of live orders " + live);
    }
  }

  /** Coupons: a grant is USED exactly by a live order that names it, and by nothing else. */
  private void coupons(List<String> failures, Tuple ids) {
    expectNone(failures, "coupon grant(s) used by an order that is not live", """
        select count(*) from coupon_grants g join (%s) o on o.order_id = g.order_id
        where g.status = 'USED' and o.status <> 'CONFIRMED'""".formatted(DRILL_ORDERS), ids);
    expectNone(failures, "live order(s) with a coupon whose grant is not redeemed by them", """
        select count(*) from (%s) o where o.status = 'CONFIRMED' and o.coupon_id is not null
        and not exists (select 1 from coupon_grants g where g.coupon_id = o.coupon_id and g.user_id = o.user_id
                        and g.status = 'USED' and g.order_id = o.order_id)""".formatted(DRILL_ORDERS), ids);
  }

  private void expectNone(List<String> failures, String what, String sql, Tuple args) {
    long n = count(sql, args);
    if (n != 0) {
      failures.add(n + " " + what);
    }
  }

  private long count(String sql, Tuple args) {
    return scalar(pool, sql, args);
  }
}
