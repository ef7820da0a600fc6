package io.flashsale.order;

import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.support.Fixtures;
import io.flashsale.support.InventoryProbe;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.flashsale.support.Fixtures.checkoutBody;
import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("Orders: a saga that never charges twice, never loses an order and never keeps unsold stock")
class OrderIT {

  private static TestApp app;
  private static InventoryProbe probe;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    probe = new InventoryProbe(app);
  }

  @AfterAll
  static void stop() {
    probe.close();
    app.close();
  }

  static String code(HttpResponse<String> r) {
    return r.statusCode() < 300 ? String.valueOf(r.statusCode())
        : r.statusCode() + " " + new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  private static long available(String productId) {
    return probe.available(productId);
  }

  private static long sql(String query, String arg) {
    return probe.sql(query, arg);
  }

  private static HttpRequest.Builder order(String token, String key, String checkoutId, String paymentToken) {
    return Fixtures.orderRequest(app, token, key, checkoutId, paymentToken);
  }

  private static String checkout(String token, String productId) {
    return Fixtures.checkout(app, token, productId);
  }

  @Test
  @DisplayName("500 buyers race for 50 units, each checking out then ordering: exactly 50 orders, stock 0 everywhere")
  void buyersStorm() throws Exception {
    String productId = openSale(app, 50, 5);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      tokens.add(app.shopperToken(uniqueId("buyer")));
    }
    List<HttpResponse<String>> checkouts = Load.fire(500, 128, i -> Load.post(app.port(), "/api/checkouts",
        tokens.get(i), checkoutBody(productId, 1)).build());
    List<Integer> holders = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      if (checkouts.get(i).statusCode() == 201) {
        holders.add(i);
      }
    }
    List<HttpResponse<String>> orders = Load.fire(holders.size(), 64, n -> {
      int i = holders.get(n);
      return order(tokens.get(i), "k-" + i, new JsonObject(checkouts.get(i).body()).getString("checkoutId"), "tok_ok")
          .build();
    });
    Map<String, Long> checkoutCodes = checkouts.stream().collect(Collectors.groupingBy(OrderIT::code, Collectors.counting()));
    Map<String, Long> orderCodes = orders.stream().collect(Collectors.groupingBy(OrderIT::code, Collectors.counting()));
    assertThat(checkoutCodes).containsOnlyKeys("201", "409 SOLD_OUT").containsEntry("201", 50L);
    assertThat(orderCodes).as("order answers; failures: %s", orders.stream().filter(r -> r.statusCode() != 201)
        .map(HttpResponse::body).toList()).containsOnlyKeys("201").containsEntry("201", 50L);
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isZero();
    assertThat(available(productId)).isZero();
    assertThat(sql("""
        select count(*) from orders o join order_items i using (order_id)
        where i.product_id = $1 and o.status = 'CONFIRMED'""", productId)).isEqualTo(50);
    assertThat(sql("""
        select count(*) from sim_payments p join orders o on o.order_id = p.idempotency_key
        join order_items i using (order_id) where i.product_id = $1 and p.status = 'CAPTURED'""", productId))
        .as("every order captured once").isEqualTo(50);
  }

  @Test
  @DisplayName("8 parallel retries with one Idempotency-Key make one order; a later retry replays it")
  void idempotentRetries() throws Exception {
    String productId = openSale(app, 10, 5);
    String token = app.shopperToken(uniqueId("u"));
    String checkoutId = checkout(token, productId);
    String key = uniqueId("key");
    List<HttpResponse<String>> answers = Load.fire(8, 8, i -> order(token, key, checkoutId, "tok_ok").build());
    Map<String, Long> codes = answers.stream().collect(Collectors.groupingBy(OrderIT::code, Collectors.counting()));
    assertThat(codes).containsKey("201").containsOnlyKeys("201", "409 REQUEST_IN_PROGRESS");
    String orderId = answers.stream().filter(r -> r.statusCode() == 201).findFirst()
        .map(r -> new JsonObject(r.body()).getString("orderId")).orElseThrow();
    assertThat(answers.stream().filter(r -> r.statusCode() == 201).map(r -> new JsonObject(r.body()).getString("orderId")))
        .containsOnly(orderId);
    HttpResponse<String> later = app.send(order(token, key, checkoutId, "tok_ok"));
    assertThat(later.statusCode()).isEqualTo(201);
    assertThat(later.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(new JsonObject(later.body()).getString("orderId")).isEqualTo(orderId);
    assertThat(code(app.send(order(token, key, checkoutId, "tok_other")))).isEqualTo("422 IDEMPOTENCY_CONFLICT");
    assertThat(code(app.send(order(token, uniqueId("key"), checkoutId, "tok_ok")))).isEqualTo("409 ALREADY_ORDERED");
    assertThat(sql("select count(*) from orders where checkout_id = $1 and status <> 'FAILED'", checkoutId)).isEqualTo(1);
    assertThat(sql("select count(*) from sim_payments where idempotency_key = $1", orderId)).isEqualTo(1);
  }

  @Test
  @DisplayName("Redis lost a key's mark: PostgreSQL's row still decides (replay, 422, one order) and Redis follows it")
  void keyRowDecidesWithoutRedisMark() throws Exception {
    String productId = openSale(app, 10, 5);
    String user = uniqueId("u");
    String token = app.shopperToken(user);
    String checkoutId = checkout(token, productId);
    String key = uniqueId("key");
    HttpResponse<String> first = app.send(order(token, key, checkoutId, "tok_ok"));
    assertThat(first.statusCode()).isEqualTo(201);
    String orderId = new JsonObject(first.body()).getString("orderId");
    String mark = RedisKeys.from(app.config()).idempotency(user, key);
    Redis redis = Redis.createClient(app.vertx(), RedisConfig.from(app.config()).options());
    try {
      redis.send(Request.cmd(Command.DEL).arg(mark)).await(10, TimeUnit.SECONDS);
      // The retry takes Redis's mark anew; PostgreSQL's row has the answer, and nothing is placed again.
      HttpResponse<String> again = app.send(order(token, key, checkoutId, "tok_ok"));
      assertThat(again.statusCode()).isEqualTo(201);
      assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
      assertThat(new JsonObject(again.body()).getString("orderId")).isEqualTo(orderId);
      assertThat(redis.send(Request.cmd(Command.GET).arg(mark)).await(10, TimeUnit.SECONDS).toString())
          .as("Redis follows the row").startsWith("D|");

      redis.send(Request.cmd(Command.DEL).arg(mark)).await(10, TimeUnit.SECONDS);
      assertThat(code(app.send(order(token, key, checkoutId, "tok_other")))).isEqualTo("422 IDEMPOTENCY_CONFLICT");
      assertThat(redis.send(Request.cmd(Command.GET).arg(mark)).await(10, TimeUnit.SECONDS))
          .as("the refused request's mark taken back").isNull();
      assertThat(app.send(order(token, key, checkoutId, "tok_ok")).statusCode()).isEqualTo(201);
    } finally {
      redis.close();
    }
    assertThat(sql("select count(*) from orders where checkout_id = $1", checkoutId)).isEqualTo(1);
    assertThat(sql("select count(*) from sim_payments where idempotency_key = $1", orderId)).isEqualTo(1);
  }

  @Test
  @DisplayName("A declined payment answers 402, the order reads FAILED after PENDING, and the unit is sellable again")
  void declined() throws Exception {
    String productId = openSale(app, 1, 5);
    String token = app.shopperToken(uniqueId("u"));
    String checkoutId = checkout(token, productId);
    assertThat(available(productId)).isZero();
    HttpResponse<String> r = app.send(order(token, uniqueId("key"), checkoutId, "tok_declined"));
    assertThat(code(r)).isEqualTo("402 PAYMENT_DECLINED");
    assertThat(available(productId)).isEqualTo(1);
    String orderId = probe.text("select order_id from orders where checkout_id = $1", checkoutId);
    JsonObject failed = new JsonObject(app.get("/api/orders/" + orderId, "Authorization", "Bearer " + token).body());
    assertThat(failed.getString("status")).isEqualTo("FAILED");
    assertThat(failed.getJsonArray("history").stream().map(h -> ((JsonObject) h).getString("status")))
        .as("the history read from the order's own row").containsExactly("PENDING", "FAILED");
    String other = app.shopperToken(uniqueId("u"));
    assertThat(code(app.send(order(other, uniqueId("key"), checkout(other, productId), "tok_ok")))).isEqualTo("201");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isZero();
  }

  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  @DisplayName("A tok_error storm opens the breaker (fast 503 with Retry-After, hold kept), then it recovers")
  void breaker() throws Exception {
    String productId = openSale(app, 20, 5);
    String token = app.shopperToken(uniqueId("u"));
    String checkoutId = checkout(token, productId);
    List<HttpResponse<String>> storm = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      storm.add(app.send(order(token, uniqueId("key"), checkoutId, "tok_error")));
    }
    assertThat(storm).allMatch(r -> r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent());
    assertThat(storm.stream().map(r -> new JsonObject(r.body()).getJsonObject("error").getString("message")))
        .anyMatch(m -> m.contains("circuit open"));
    long t0 = System.nanoTime();
    HttpResponse<String> fast = app.send(order(token, uniqueId("key"), checkoutId, "tok_ok"));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    if (fast.statusCode() == 503) {
      assertThat(tookMs).as("an open breaker answers without calling the provider").isLessThan(1000);
    }
    assertThat(available(productId)).as("the hold is kept through the outage").isEqualTo(19);
    waitUntil(Duration.ofSeconds(30), () -> app.send(order(token, uniqueId("key"), checkoutId, "tok_ok"))
        .statusCode() == 201, "the breaker to close again after its reset timeout");
    // Each order verticle has its own breaker; the bus spreads orders across them: wait until all have closed.
    int[] inARow = {0};
    waitUntil(Duration.ofSeconds(30), () -> {
      String buyer = app.shopperToken(uniqueId("u"));
      inARow[0] = app.send(order(buyer, uniqueId("key"), checkout(buyer, productId), "tok_ok")).statusCode() == 201
          ? inARow[0] + 1 : 0;
      return inARow[0] >= 4;
    }, "every breaker to close");
  }

  @Test
  @DisplayName("Cancel twice: one refund, one restock; only the owner may cancel or see the order")
  void cancelTwice() throws Exception {
    String productId = openSale(app, 3, 5);
    String token = app.shopperToken(uniqueId("u"));
    HttpResponse<String> placed = app.send(order(token, uniqueId("key"), checkout(token, productId), "tok_ok"));
    assertThat(placed.statusCode()).isEqualTo(201);
    String orderId = new JsonObject(placed.body()).getString("orderId");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).isEqualTo(2);

    String stranger = app.shopperToken("stranger");
    assertThat(code(app.get("/api/orders/" + orderId, "Authorization", "Bearer " + stranger))).isEqualTo("403 FORBIDDEN");
    assertThat(app.get("/api/orders/" + orderId, "Authorization", "Bearer " + app.adminToken()).statusCode()).isEqualTo(200);
    assertThat(code(app.send(Load.post(app.port(), "/api/orders/" + orderId + "/cancel", stranger, ""))))
        .isEqualTo("403 FORBIDDEN");

    List<HttpResponse<String>> cancels = Load.fire(2, 2, i -> Load.post(app.port(), "/api/orders/" + orderId + "/cancel",
        token, "").build());
    assertThat(cancels).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 409);
    HttpResponse<String> again = app.send(Load.post(app.port(), "/api/orders/" + orderId + "/cancel", token, ""));
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getString("status")).isEqualTo("CANCELLED");
    assertThat(sql("select quantity from stock where product_id = $1", productId)).as("one restock").isEqualTo(3);
    assertThat(sql("select refunds from sim_payments where idempotency_key = $1", orderId)).as("one refund").isEqualTo(1);
    waitUntil(Duration.ofSeconds(5), () -> {
      try {
        return available(productId) == 3;
      } catch (Exception e) {
        return false;
      }
    }, "Redis to get the unit back");
    JsonObject got = new JsonObject(app.get("/api/orders/" + orderId, "Authorization", "Bearer " + token).body());
    assertThat(got.getJsonArray("history").stream().map(h -> ((JsonObject) h).getString("status")))
        .containsExactly("PENDING", "CONFIRMED", "CANCELLED");
  }

  @Test
  @DisplayName("Bad order requests get 400 and change nothing")
  void badRequests() throws Exception {
    String productId = openSale(app, 2, 5);
    String token = app.shopperToken(uniqueId("u"));
    String checkoutId = checkout(token, productId);
    HttpRequest.Builder noKey = Load.post(app.port(), "/api/orders", token, new JsonObject().put("checkoutId", checkoutId)
        .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")).encode());
    assertThat(code(app.send(noKey))).isEqualTo("400 BAD_REQUEST");
    assertThat(code(app.send(Load.post(app.port(), "/api/orders", token, "{\"checkoutId\":\"" + checkoutId
        + "\",\"payment\":{\"method\":\"CASH\",\"token\":\"tok_ok\"}}").header("Idempotency-Key", uniqueId("x1")))))
        .isEqualTo("400 BAD_REQUEST");
    assertThat(code(app.send(Load.post(app.port(), "/api/orders", token, "{\"checkoutId\":\"" + checkoutId + "\"}")
        .header("Idempotency-Key", uniqueId("x2"))))).isEqualTo("400 BAD_REQUEST");
    assertThat(code(app.send(order(token, uniqueId("x3"), uniqueId("nope"), "tok_ok")))).isEqualTo("404 NOT_FOUND");
    assertThat(code(app.send(order(app.shopperToken("thief"), uniqueId("x4"), checkoutId, "tok_ok"))))
        .isEqualTo("403 FORBIDDEN");
    assertThat(sql("select count(*) from orders where checkout_id = $1", checkoutId)).isZero();
  }
}
