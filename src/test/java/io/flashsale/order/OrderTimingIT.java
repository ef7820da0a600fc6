package io.flashsale.order;

import io.flashsale.support.Fixtures;
import io.flashsale.support.InventoryProbe;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow steps, not dead ones: a stock row held locked, a capture that lands after its caller gave up, a provider that
 * keeps failing the void, a coupon reservation that was lost. Timeouts are short here so the drills' minutes become
 * seconds; every wait is on a condition.
 */
@ExtendWith(TestInfra.class)
@DisplayName("Orders under timing stress: unknown is not failed")
class OrderTimingIT {

  private static TestApp app;
  private static InventoryProbe probe;

  @BeforeAll
  static void start() {
    app = TestApp.start(TestInfra.config().with(new JsonObject()
        .put("inventory.pgLockTimeoutMillis", 500).put("inventory.pgStatementTimeoutMillis", 2000)
        .put("orders.answerDeadlineMillis", 1500).put("orders.recoveryAfterMillis", 1000)
        .put("orders.recoverySweepMillis", 250).put("payment.timeoutMillis", 500)
        .put("payment.breakerMaxFailures", 1000).put("payment.simulator.slowMillis", 1500)));
    probe = new InventoryProbe(app);
  }

  @AfterAll
  static void stop() {
    probe.close();
    app.close();
  }

  @AfterEach
  void noFaults() {
    faults(new JsonObject());
  }

  private static long sql(String query, String arg) {
    return probe.sql(query, arg);
  }

  private static String text(String query, String arg) {
    return probe.text(query, arg);
  }

  private static HttpRequest.Builder order(String token, String key, String checkoutId, String paymentToken) {
    return Fixtures.orderRequest(app, token, key, checkoutId, paymentToken);
  }

  private static String checkout(String token, String productId) {
    return Fixtures.checkout(app, token, productId);
  }

  /** The provider's status of the order's payment, or null. */
  private static String paymentOf(String orderId) {
    return text("select status from sim_payments where idempotency_key = $1", orderId);
  }

  private static void faults(JsonObject switches) {
    app.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.config().integer("payment.simulator.port")
        + "/v1/faults")).PUT(HttpRequest.BodyPublishers.ofString(switches.encode())));
  }

  /** A second PostgreSQL session holding the product's stock row lock until it is released. */
  private static InventoryProbe.RowLock holdStockRow(String productId) {
    return probe.holdRowLock("select quantity from stock where product_id = $1 for update", productId);
  }

  @Test
  @DisplayName("A confirm stalled on a held stock row answers 202 PENDING; the same key replays it; recovery confirms"
      + " it once the row is free, and the retry then gets the order — no unit sold to no order")
  void stalledConfirmIsPendingNotFailed() throws Exception {
    String productId = openSale(app, 5, 2);
    String token = app.shopperToken(uniqueId("u"));
    String checkoutId = checkout(token, productId);
    String key = uniqueId("key");
    InventoryProbe.RowLock lock = holdStockRow(productId);
    HttpResponse<String> first;
    HttpResponse<String> retry;
    try {
      first = app.send(order(token, key, checkoutId, "tok_ok"));
      retry = app.send(order(token, key, checkoutId, "tok_ok"));
    } finally {
      lock.release();
    }
    assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
    String orderId = new JsonObject(first.body()).getString("orderId");
    assertThat(new JsonObject(first.body()).getString("status")).isEqualTo("PENDING");
    assertThat(first.headers().firstValue("Location")).contains("/api/orders/" + orderId);
    assertThat(retry.statusCode()).as(retry.body()).isIn(201, 202);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");

    waitUntil(Duration.ofSeconds(30), () -> "CONFIRMED".equals(text("select status from orders where order_id = $1",
        orderId)) && "CAPTURED".equals(paymentOf(orderId)),
        "recovery to confirm and capture the pending order");
    HttpResponse<String> later = app.send(order(token, key, checkoutId, "tok_ok"));
    assertThat(later.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(later.body()).getString("orderId")).isEqualTo(orderId);
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isEqualTo(4);
    assertThat(sql("select count(*) from orders where checkout_id = $1", checkoutId)).isEqualTo(1);
  }

  @Test
  @DisplayName("A capture that lands after its caller's timeout, then a cancel: the money is refunded, not left captured")
  void lateCaptureThenCancelRefunds() throws Exception {
    String productId = openSale(app, 5, 2);
    String token = app.shopperToken(uniqueId("u"));
    faults(new JsonObject().put("captureLateRate", 1.0).put("captureLateMillis", 1500));
    HttpResponse<String> placed = app.send(order(token, uniqueId("key"), checkout(token, productId), "tok_ok"));
    assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
    String orderId = new JsonObject(placed.body()).getString("orderId");
    waitUntil(Duration.ofSeconds(10), () -> "CAPTURED".equals(paymentOf(orderId)), "the late capture to land");
    faults(new JsonObject());

    HttpResponse<String> cancelled = app.send(Load.post(app.port(), "/api/orders/" + orderId + "/cancel", token, ""));
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    waitUntil(Duration.ofSeconds(15), () -> "REFUNDED".equals(paymentOf(orderId))
        && "REFUNDED".equals(text("select payment_status from orders where order_id = $1", orderId)),
        "the captured money to be refunded");
    assertThat(text("select status from orders where order_id = $1", orderId)).isEqualTo("CANCELLED");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isEqualTo(5);
  }

  @Test
  @DisplayName("Recovery keeps an order owing a void until the provider voids it: a failing provider is retried")
  void voidIsRetriedUntilItHappens() throws Exception {
    String productId = openSale(app, 5, 2);
    String userId = uniqueId("u");
    String token = app.shopperToken(userId);
    HttpResponse<String> slow = app.send(order(token, uniqueId("key"), checkout(token, productId), "tok_slow"));
    assertThat(slow.statusCode()).as(slow.body()).isEqualTo(503);
    faults(new JsonObject().put("errorRate", 1.0));
    String orderId = text("select order_id from orders where user_id = $1", userId);
    waitUntil(Duration.ofSeconds(10), () -> "AUTHORIZED".equals(paymentOf(orderId)), "the late authorisation to land");
    waitUntil(Duration.ofSeconds(20), () -> sql("select recovery_attempts from orders where order_id = $1", orderId) >= 2,
        "recovery to try (and fail) to void it twice");
    assertThat(text("select saga_step from orders where order_id = $1", orderId)).isEqualTo("PAYMENT_UNKNOWN");
    faults(new JsonObject());
    waitUntil(Duration.ofSeconds(60), () -> "VOIDED".equals(paymentOf(orderId))
        && "COMPENSATED".equals(text("select saga_step from orders where order_id = $1", orderId)),
        "recovery to void the authorisation once the provider answers");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isEqualTo(5);
  }

  @Test
  @DisplayName("A checkout whose coupon is no longer reserved cannot be confirmed: nothing sold, the payment voided")
  void redeemTouchesExactlyOneGrant() throws Exception {
    String productId = openSale(app, 5, 2);
    String userId = uniqueId("u");
    String token = app.shopperToken(userId);
    String checkoutId = checkout(token, productId);
    String couponId = uniqueId("c");
    // The reservation was lost (given back by a racing release): the grant is AVAILABLE, the checkout still names it.
    Pool pool = probe.inventory().ledger().pool();
    pool.preparedQuery("insert into coupons (coupon_id, name, type, value, valid_from, valid_to) values ($1, 'x',"
        + " 'FIXED', 100, now() - interval '1 day', now() + interval '1 day')").execute(Tuple.of(couponId))
        .await(10, TimeUnit.SECONDS);
    pool.preparedQuery("insert into coupon_grants (coupon_id, user_id) values ($1, $2)")
        .execute(Tuple.of(couponId, userId)).await(10, TimeUnit.SECONDS);
    pool.preparedQuery("update checkouts set coupon_id = $2 where checkout_id = $1").execute(Tuple.of(checkoutId,
        couponId)).await(10, TimeUnit.SECONDS);

    HttpResponse<String> r = app.send(order(token, uniqueId("key"), checkoutId, "tok_ok"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("COUPON_NOT_APPLICABLE");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isEqualTo(5);
    assertThat(text("select status from coupon_grants where coupon_id = $1", couponId)).isEqualTo("AVAILABLE");
    waitUntil(Duration.ofSeconds(10), () -> "VOIDED".equals(text(
        "select p.status from sim_payments p join orders o on o.order_id = p.idempotency_key where o.checkout_id = $1",
        checkoutId)), "the authorisation to be voided");
  }

  @Test
  @DisplayName("The saga and a recovery sweep cannot both move one order: whichever moves it first wins, the other's"
      + " step (a late failure, a late advance) changes nothing")
  void sagaAndRecoveryCompareAndSet() throws Exception {
    String productId = openSale(app, 5, 2);
    Pool pool = probe.inventory().ledger().pool();
    OrderStore orders = new OrderStore(pool, io.flashsale.infra.Topics.from(app.config()));
    // The checkouts first: each order is created right before its steps, well inside recovery's 1 s pause.
    List<io.flashsale.inventory.Checkout> checkouts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      checkouts.add(probe.inventory().ledger().checkout(checkout(app.shopperToken(uniqueId("u")), productId))
          .await(10, TimeUnit.SECONDS));
    }
    String[] ids = {OrderSaga.newOrderId(), OrderSaga.newOrderId()};
    assertThat(orders.placeFromCheckout(ids[0], checkouts.get(0).checkoutId(), checkouts.get(0).userId(),
        OrderStore.now(java.time.Clock.systemUTC())).await(10, TimeUnit.SECONDS)).isNotNull();
    // Recovery found the late authorisation and moved the order on; the saga's failure (queued for a connection) lands
    // after it and must not fail an order whose stock may be taken next.
    assertThat(orders.advance(ids[0], SagaStep.STARTED, SagaStep.PAYMENT_AUTHORIZED, "pay_x", "AUTHORIZED")
        .await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(orders.fail(ids[0], SagaStep.STARTED, SagaStep.PAYMENT_UNKNOWN, "UNAVAILABLE").await(10, TimeUnit.SECONDS))
        .isFalse();
    assertThat(text("select status || '/' || saga_step from orders where order_id = $1", ids[0]))
        .isEqualTo("PENDING/PAYMENT_AUTHORIZED");
    // (Settle it before recovery looks: its payment is made up.)
    assertThat(orders.fail(ids[0], SagaStep.PAYMENT_AUTHORIZED, SagaStep.COMPENSATED, "TEST").await(10, TimeUnit.SECONDS))
        .isTrue();
    // The other way round: the saga failed it first; recovery's late advance changes nothing.
    assertThat(orders.placeFromCheckout(ids[1], checkouts.get(1).checkoutId(), checkouts.get(1).userId(),
        OrderStore.now(java.time.Clock.systemUTC())).await(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(orders.fail(ids[1], SagaStep.STARTED, SagaStep.PAYMENT_UNKNOWN, "UNAVAILABLE").await(10, TimeUnit.SECONDS))
        .isTrue();
    assertThat(orders.advance(ids[1], SagaStep.STARTED, SagaStep.PAYMENT_AUTHORIZED, "pay_y", "AUTHORIZED")
        .await(10, TimeUnit.SECONDS)).isFalse();
    assertThat(text("select status || '/' || saga_step from orders where order_id = $1", ids[1]))
        .isEqualTo("FAILED/PAYMENT_UNKNOWN");
  }
}
