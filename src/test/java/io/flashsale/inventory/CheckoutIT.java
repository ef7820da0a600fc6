package io.flashsale.inventory;

import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.support.InventoryProbe;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.flashsale.support.Fixtures.code;
import static io.flashsale.support.Fixtures.checkoutBody;
import static io.flashsale.support.Fixtures.createOpenEvent;
import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.createProduct;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("Checkout holds stock in Redis and never oversells")
class CheckoutIT {

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

  private static long available(String productId) {
    return probe.available(productId);
  }

  private static String saleProduct(int units, int limitPerUser) {
    String productId = openSale(app, units, limitPerUser);
    waitUntil(Duration.ofSeconds(10), () -> available(productId) == units, "Redis to follow the stock");
    return productId;
  }

  private static long pgCount(String query, String arg) {
    return probe.sql(query, arg);
  }

  @Test
  @DisplayName("1,000 concurrent checkouts for 100 units: exactly 100 holds, 900 SOLD_OUT, no 5xx")
  void storm() throws Exception {
    String productId = saleProduct(100, 5);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      tokens.add(app.shopperToken("storm-" + i));
    }
    long started = System.nanoTime();
    List<HttpResponse<String>> answers = Load.fire(1000, 256, i -> Load.post(app.port(), "/api/checkouts",
        tokens.get(i), checkoutBody(productId, 1)).build());
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Long> byCode = answers.stream().collect(Collectors.groupingBy(io.flashsale.support.Fixtures::code, Collectors.counting()));
    System.out.printf("storm: %s in %.2f s (%.0f checkouts/s)%n", byCode, seconds, 1000 / seconds);
    assertThat(byCode).containsOnlyKeys("201", "409 SOLD_OUT");
    assertThat(byCode.get("201")).isEqualTo(100);
    assertThat(byCode.get("409 SOLD_OUT")).isEqualTo(900);
    assertThat(available(productId)).isZero();
    assertThat(pgCount("""
        select count(*) from checkouts c join checkout_items i using (checkout_id)
        where i.product_id = $1 and c.status = 'HELD'""", productId)).isEqualTo(100);
  }

  @Test
  @DisplayName("The same shopper in 20 parallel checkouts cannot pass limitPerUser")
  void perUserLimit() {
    String productId = saleProduct(100, 2);
    String token = app.shopperToken(uniqueId("greedy"));
    List<HttpResponse<String>> answers = Load.fire(20, 20, i -> Load.post(app.port(), "/api/checkouts", token,
        checkoutBody(productId, 1)).build());
    Map<String, Long> byCode = answers.stream().collect(Collectors.groupingBy(io.flashsale.support.Fixtures::code, Collectors.counting()));
    assertThat(byCode).containsEntry("201", 2L).containsEntry("409 LIMIT_EXCEEDED", 18L).hasSize(2);
    assertThat(available(productId)).isEqualTo(98);
  }

  @Test
  @DisplayName("All items are held or none; GET shows the hold to its owner and admins; DELETE gives it back, is"
      + " idempotent, and only for the owner")
  void allOrNothingAndRelease() {
    String plenty = saleProduct(10, 5);
    String scarce = saleProduct(1, 5);
    String token = app.shopperToken(uniqueId("u"));
    String both = new JsonObject().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("productId", plenty).put("quantity", 2))
        .add(new JsonObject().put("productId", scarce).put("quantity", 2))).encode();
    HttpResponse<String> refused = app.send(Load.post(app.port(), "/api/checkouts", token, both));
    assertThat(code(refused)).isEqualTo("409 SOLD_OUT");
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getJsonObject("details").getString("productId"))
        .isEqualTo(scarce);
    assertThat(available(plenty)).as("nothing held when one item is short").isEqualTo(10);

    HttpResponse<String> held = app.send(Load.post(app.port(), "/api/checkouts", token, checkoutBody(plenty, 3)));
    assertThat(held.statusCode()).as(held.body()).isEqualTo(201);
    JsonObject checkout = new JsonObject(held.body());
    assertThat(checkout.getLong("subtotal")).isEqualTo(21_000);
    assertThat(checkout.getJsonArray("items").getJsonObject(0).getLong("unitPrice")).isEqualTo(7_000);
    assertThat(available(plenty)).isEqualTo(7);
    String path = "/api/checkouts/" + checkout.getString("checkoutId");

    assertThat(held.headers().firstValue("Location")).contains(path);
    HttpResponse<String> mine = app.get(path, "Authorization", "Bearer " + token);
    assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
    assertThat(new JsonObject(mine.body()).getString("status")).isEqualTo("HELD");
    assertThat(new JsonObject(mine.body()).getLong("total")).isEqualTo(21_000);
    assertThat(app.get(path, "Authorization", "Bearer " + app.adminToken()).statusCode()).isEqualTo(200);
    assertThat(code(app.get(path, "Authorization", "Bearer " + app.shopperToken("someone-else"))))
        .isEqualTo("403 FORBIDDEN");
    assertThat(code(app.get("/api/checkouts/co_nope", "Authorization", "Bearer " + token))).isEqualTo("404 NOT_FOUND");

    HttpResponse<String> stranger = app.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + app.port() + path)).DELETE(), "Authorization",
        "Bearer " + app.shopperToken("someone-else"));
    assertThat(code(stranger)).isEqualTo("403 FORBIDDEN");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> deleted = app.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + app.port() + path)).DELETE(), "Authorization", "Bearer " + token);
      assertThat(deleted.statusCode()).isEqualTo(204);
    }
    assertThat(available(plenty)).isEqualTo(10);
    assertThat(new JsonObject(app.get(path, "Authorization", "Bearer " + token).body()).getString("status"))
        .isEqualTo("RELEASED");
  }

  @Test
  @DisplayName("Bad checkouts get 400/404/409 EVENT_NOT_OPEN and hold nothing")
  void badCheckouts() {
    String productId = saleProduct(10, 5);
    String token = app.shopperToken(uniqueId("u"));
    Function<String, String> post = body -> code(app.send(Load.post(app.port(), "/api/checkouts", token, body)));
    assertThat(post.apply("{\"items\":[]}")).isEqualTo("400 BAD_REQUEST");
    assertThat(post.apply(checkoutBody(productId, 0))).isEqualTo("400 BAD_REQUEST");
    assertThat(post.apply(checkoutBody(productId, 1001))).isEqualTo("400 BAD_REQUEST");
    assertThat(post.apply("{\"items\":[{\"productId\":\"" + productId + "\",\"quantity\":1.5}]}"))
        .isEqualTo("400 BAD_REQUEST");
    assertThat(post.apply(checkoutBody(uniqueId("missing"), 1))).isEqualTo("404 NOT_FOUND");
    String future = uniqueId("later");
    String other = uniqueId("p");
    createProduct(app, other, 10_000, 5);
    assertThat(app.putAdmin("/admin/events/" + future, new JsonObject().put("title", "later")
        .put("startsAt", "2031-01-01T00:00:00Z").put("endsAt", "2031-01-02T00:00:00Z")
        .put("items", new io.vertx.core.json.JsonArray().add(new JsonObject().put("productId", other)
            .put("salePrice", 1_000).put("limitPerUser", 1)))).statusCode()).isEqualTo(200);
    waitUntil(Duration.ofSeconds(10), () -> app.get("/api/events/" + future).statusCode() == 200, "the event page");
    assertThat(post.apply(new JsonObject(checkoutBody(productId, 1)).put("eventId", future).encode()))
        .isEqualTo("409 EVENT_NOT_OPEN");
    assertThat(code(app.send(Load.post(app.port(), "/api/checkouts", "not-a-token", checkoutBody(productId, 1)))))
        .isEqualTo("401 UNAUTHORIZED");
    assertThat(available(productId)).isEqualTo(10);
  }

  @Test
  @DisplayName("Redis flushed mid-sale: the inventory is rebuilt from PostgreSQL, holds survive, no unit is sold twice")
  void redisFlushedMidSale() throws Exception {
    String productId = saleProduct(50, 1);
    List<String> buyers = new ArrayList<>();
    List<String> checkouts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String user = uniqueId("b");
      buyers.add(user);
      HttpResponse<String> r = app.send(Load.post(app.port(), "/api/checkouts", app.shopperToken(user),
          checkoutBody(productId, 1)));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      checkouts.add(new JsonObject(r.body()).getString("checkoutId"));
    }
    for (String id : checkouts.subList(0, 5)) {
      confirm(id);
    }
    assertThat(available(productId)).isEqualTo(30);

    flushInventory();
    // The next checkout finds the inventory gone, waits for the rebuild, and is served from the rebuilt stock.
    HttpResponse<String> again = app.send(Load.post(app.port(), "/api/checkouts", app.shopperToken(buyers.get(19)),
        checkoutBody(productId, 1)));
    assertThat(code(again)).as("the per-user limit survived the flush").isEqualTo("409 LIMIT_EXCEEDED");
    assertThat(available(productId)).isEqualTo(30);
    for (String id : checkouts.subList(5, 20)) {
      confirm(id);
    }
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      tokens.add(app.shopperToken(uniqueId("late")));
    }
    List<HttpResponse<String>> late = Load.fire(40, 40, i -> Load.post(app.port(), "/api/checkouts", tokens.get(i),
        checkoutBody(productId, 1)).build());
    List<String> lateIds = late.stream().filter(r -> r.statusCode() == 201)
        .map(r -> new JsonObject(r.body()).getString("checkoutId")).toList();
    assertThat(lateIds).hasSize(30);
    for (String id : lateIds) {
      confirm(id);
    }
    assertThat(pgCount("select quantity from stock where product_id = $1", productId)).isZero();
    assertThat(pgCount("""
        select coalesce(sum(i.quantity), 0) from checkouts c join checkout_items i using (checkout_id)
        where i.product_id = $1 and c.status = 'CONFIRMED'""", productId)).isEqualTo(50);
  }

  private static void confirm(String checkoutId) throws Exception {
    JsonObject reply = app.vertx().eventBus().<JsonObject>request(BusAddresses.INVENTORY_CONFIRM,
        new JsonObject().put("checkoutId", checkoutId)).await(20, TimeUnit.SECONDS).body();
    assertThat(reply.getString("status")).isEqualTo("CONFIRMED");
  }

  /**
   * Deletes every inventory key of this test run, as a Redis restart without persistence would: the products' keys
   * first, then the sentinel, so the maintenance verticle's rebuild (which the missing sentinel starts) never sees
   * half-deleted products. On a cluster each master is scanned and cleared on its own (keys of many slots).
   */
  /** One server's URL, or the cluster's masters now (a failover — the drills kill one — moves them off the seeds). */
  private static List<String> masters(RedisConfig rc) throws Exception {
    if (!rc.cluster()) {
      return rc.endpoints();
    }
    Redis seed = Redis.createClient(app.vertx(), new io.vertx.redis.client.RedisOptions()
        .setConnectionString(rc.endpoints().get(0)));
    try {
      List<String> out = new ArrayList<>();
      for (String line : seed.send(Request.cmd(Command.CLUSTER).arg("NODES")).await(5, TimeUnit.SECONDS).toString()
          .split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length > 2 && f[2].contains("master") && !f[2].contains("fail")) {
          out.add("redis://" + f[1].substring(0, f[1].indexOf('@')));
        }
      }
      return out;
    } finally {
      seed.close();
    }
  }

  private static void flushInventory() throws Exception {
    RedisConfig rc = RedisConfig.from(app.config());
    String prefix = RedisKeys.from(app.config()).prefix();
    List<String> sentinels = new ArrayList<>();
    for (String url : masters(rc)) {
      Redis node = Redis.createClient(app.vertx(), new io.vertx.redis.client.RedisOptions().setConnectionString(url));
      try {
        List<Request> dels = new ArrayList<>();
        for (String pattern : List.of(prefix + "{i:*", prefix + "{inv}*")) {
          String cursor = "0";
          do {
            Response page = node.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT")
                .arg(1000)).await(5, TimeUnit.SECONDS);
            cursor = page.get(0).toString();
            for (Response key : page.get(1)) {
              if (key.toString().equals(RedisKeys.from(app.config()).inventoryReady())) {
                sentinels.add(url);
              } else {
                dels.add(Request.cmd(Command.DEL).arg(key.toString()));
              }
            }
          } while (!"0".equals(cursor));
        }
        for (int i = 0; i < dels.size(); i += 1000) {
          node.batch(dels.subList(i, Math.min(dels.size(), i + 1000))).await(10, TimeUnit.SECONDS);
        }
      } finally {
        node.close();
      }
    }
    for (String url : sentinels) {
      Redis node = Redis.createClient(app.vertx(), new io.vertx.redis.client.RedisOptions().setConnectionString(url));
      try {
        node.send(Request.cmd(Command.DEL).arg(RedisKeys.from(app.config()).inventoryReady())).await(5, TimeUnit.SECONDS);
      } finally {
        node.close();
      }
    }
  }
}
