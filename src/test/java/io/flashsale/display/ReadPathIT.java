package io.flashsale.display;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.projection.ViewProjector;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.createOpenEvent;
import static io.flashsale.support.Fixtures.createProduct;
import static io.flashsale.support.Fixtures.product;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The CQRS read path: PostgreSQL → outbox → Kafka → projector → Redis → near cache → HTTP")
class ReadPathIT {

  private static TestApp app;

  @BeforeAll
  static void startApp() {
    app = TestApp.start();
  }

  @AfterAll
  static void stopApp() {
    app.close();
  }

  private static JsonObject eventPage(String eventId) {
    HttpResponse<String> r = app.get("/api/events/" + eventId);
    return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
  }

  private static long priceOnPage(String eventId, String productId) {
    JsonObject page = eventPage(eventId);
    if (page == null) {
      return -1;
    }
    return page.getJsonArray("products").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("productId").equals(productId)).findFirst()
        .map(p -> p.getLong("price")).orElse(-1L);
  }

  @Test
  @DisplayName("An admin price change shows on the event page within 2 s; the ETag changes and a stale ETag gets 200")
  void priceChangeReachesTheEventPage() {
    String productId = uniqueId("p");
    String eventId = uniqueId("e");
    createProduct(app, productId, 10_000, 50);
    createOpenEvent(app, eventId, productId);
    waitUntil(Duration.ofSeconds(10), () -> priceOnPage(eventId, productId) == 10_000, "the event page to exist");

    HttpResponse<String> before = app.get("/api/events/" + eventId);
    String oldEtag = before.headers().firstValue("etag").orElseThrow();
    assertThat(before.headers().firstValue("cache-control")).contains("public, max-age=1");
    assertThat(app.get("/api/events/" + eventId, "If-None-Match", oldEtag).statusCode()).isEqualTo(304);

    long changedAt = System.nanoTime();
    assertThat(app.putAdmin("/admin/products/" + productId, product("Padded Jacket " + productId, 12_000))
        .statusCode()).isEqualTo(200);
    waitUntil(Duration.ofSeconds(2), () -> priceOnPage(eventId, productId) == 12_000,
        "the new price on the event page within 2 s");
    System.out.printf("write-to-visible: %d ms%n", (System.nanoTime() - changedAt) / 1_000_000);

    HttpResponse<String> after = app.get("/api/events/" + eventId, "If-None-Match", oldEtag);
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.headers().firstValue("etag")).isPresent().get().isNotEqualTo(oldEtag);
    JsonObject item = new JsonObject(after.body()).getJsonArray("products").getJsonObject(0);
    assertThat(item.getLong("salePrice")).isEqualTo(7_000);
    assertThat(item.getInteger("discountRate")).isEqualTo(41);
  }

  @Test
  @DisplayName("Stock set to zero marks the product sold out on its page and its product view")
  void stockChangeReachesTheViews() {
    String productId = uniqueId("p");
    String eventId = uniqueId("e");
    createProduct(app, productId, 10_000, 5);
    createOpenEvent(app, eventId, productId);
    waitUntil(Duration.ofSeconds(10), () -> eventPage(eventId) != null, "the page");
    app.putAdmin("/admin/products/" + productId + "/stock", new JsonObject().put("quantity", 0));
    waitUntil(Duration.ofSeconds(2), () -> eventPage(eventId).getJsonArray("products").getJsonObject(0)
        .getBoolean("soldOut"), "soldOut on the event page");
    waitUntil(Duration.ofSeconds(2), () -> new JsonObject(app.get("/api/products/" + productId).body())
        .getBoolean("soldOut"), "soldOut on the product view");
    JsonObject view = new JsonObject(app.get("/api/products/" + productId).body());
    assertThat(view.getJsonObject("event").getString("eventId")).isEqualTo(eventId);
    assertThat(view.getJsonObject("event").getLong("salePrice")).isEqualTo(7_000);
  }

  @Test
  @DisplayName("Unknown and malformed ids get 404 and 400 with the API.md error body")
  void unknownIds() {
    HttpResponse<String> missing = app.get("/api/events/" + uniqueId("nope"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getJsonObject("error").getString("code")).isEqualTo("NOT_FOUND");
    HttpResponse<String> bad = app.get("/api/products/bad.id");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("code")).isEqualTo("BAD_REQUEST");
  }

  @Test
  @DisplayName("Events applied out of order never make a view go back to an older version")
  void outOfOrderNeverRegresses() throws Exception {
    String productId = uniqueId("p");
    createProduct(app, productId, 10_000, 5);
    RedisKeys keys = RedisKeys.from(app.config());
    Redis redis = Redis.createClient(app.vertx(), RedisConfig.from(app.config()).options());
    PgConfig pg = PgConfig.from(app.config());
    Pool pool = pg.pool(app.vertx(), "test", 4);
    try {
      ViewStore store = new ViewStore(redis, keys);
      String key = keys.productView(productId);
      waitUntil(Duration.ofSeconds(10), () -> version(store, key) >= 2, "the product view");

      // Straight at the store: a newer version wins, an older one is refused.
      long current = version(store, key);
      assertThat(store.put(new View(key, current + 10, Buffer.buffer("{\"v\":\"newer\"}"))).await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(store.put(new View(key, current + 5, Buffer.buffer("{\"v\":\"older\"}"))).await(5, TimeUnit.SECONDS)).isFalse();
      assertThat(version(store, key)).isEqualTo(current + 10);

      // Through the projector: replaying an old event rebuilds from PostgreSQL, whose version is now behind Redis.
      ViewProjector projector = new ViewProjector(new ViewMaterializer(new ViewBuilder(pool, keys), store));
      OutboxEvent stale = OutboxEvent.of("t", "product", productId, CatalogStore.PRODUCT_UPSERTED, 1, new JsonObject());
      projector.project(List.of(stale)).await(5, TimeUnit.SECONDS);
      assertThat(version(store, key)).isEqualTo(current + 10);
      assertThat(ViewCodec.decode(store.get(key).await(5, TimeUnit.SECONDS)).json().toString()).contains("newer");
    } finally {
      redis.close();
      pool.close();
    }
  }

  private static long version(ViewStore store, String key) {
    try {
      Long v = store.storedVersion(key).await(5, TimeUnit.SECONDS);
      return v == null ? -1 : v;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("Back-to-back sales: at the boundary the product view switches to the next sale (the sale-boundary"
      + " drill measures how fast), with a new ETag, and checkout prices from the open sale, never the list price")
  void saleBoundary() throws Exception {
    String productId = uniqueId("p");
    createProduct(app, productId, 10_000, 50);
    java.time.Instant boundary = java.time.Instant.now().plusSeconds(10).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String first = uniqueId("e");
    String second = uniqueId("e");
    for (String[] sale : new String[][] {{first, "7000", "1", boundary.minusSeconds(3600).toString(), boundary.toString()},
        {second, "6000", "3", boundary.toString(), boundary.plusSeconds(86_400).toString()}}) {
      HttpResponse<String> r = app.putAdmin("/admin/events/" + sale[0], new JsonObject().put("title", "Sale " + sale[0])
          .put("startsAt", sale[3]).put("endsAt", sale[4]).put("items", new io.vertx.core.json.JsonArray()
              .add(new JsonObject().put("productId", productId).put("salePrice", Long.parseLong(sale[1]))
                  .put("limitPerUser", Integer.parseInt(sale[2])))));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    waitUntil(Duration.ofSeconds(10), () -> app.get("/api/products/" + productId).body().contains(first),
        "the first sale on the product view");
    String etagBefore = app.get("/api/products/" + productId).headers().firstValue("ETag").orElseThrow();
    waitUntil(Duration.ofSeconds(10), () -> !java.time.Instant.now().isBefore(boundary), "the boundary");
    String shopper = app.shopperToken(uniqueId("u"));
    HttpResponse<String> checkout = app.send(io.flashsale.support.Load.post(app.port(), "/api/checkouts", shopper,
        io.flashsale.support.Fixtures.checkoutBody(productId, 2)));
    assertThat(checkout.statusCode()).as(checkout.body()).isEqualTo(201);
    JsonObject line = new JsonObject(checkout.body()).getJsonArray("items").getJsonObject(0);
    assertThat(line.getLong("unitPrice")).as("the second sale's price, right at its start").isEqualTo(6_000);
    // A functional bound, not a speed goal: the sale-boundary drill measures the latency under load (p99 ≤ 1 s).
    waitUntil(Duration.ofSeconds(10), () -> app.get("/api/products/" + productId).body().contains(second),
        "the product view to show the second sale");
    System.out.printf("boundary-to-visible: %d ms%n", Duration.between(boundary, java.time.Instant.now()).toMillis());
    HttpResponse<String> after = app.get("/api/products/" + productId);
    assertThat(after.headers().firstValue("ETag").orElseThrow()).isNotEqualTo(etagBefore);
    assertThat(app.get("/api/products/" + productId, "If-None-Match", etagBefore).statusCode())
        .as("an ETag from before the boundary no longer matches").isEqualTo(200);
  }

  @Test
  @DisplayName("A product edit that waits behind an event upsert adding that product still reaches the event page"
      + " (the edit reads the product's events only once it holds the product's row)")
  void productEditRacingEventUpsert() throws Exception {
    String productId = uniqueId("p");
    createProduct(app, productId, 10_000, 5);
    String eventId = uniqueId("e");
    Pool pool = PgConfig.from(app.config()).pool(app.vertx(), "test-race", 1);
    io.flashsale.support.InventoryProbe probe = new io.flashsale.support.InventoryProbe(app);
    try {
      // A third session holds the product's row: both writers queue behind it, the event upsert first.
      io.flashsale.support.InventoryProbe.RowLock lock = probe.holdRowLock(
          "select 1 from products where product_id = $1 for update", productId);
      java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      java.util.concurrent.CompletableFuture<HttpResponse<String>> upsert = java.util.concurrent.CompletableFuture
          .supplyAsync(() -> app.putAdmin("/admin/events/" + eventId, new JsonObject().put("title", "Race")
              .put("startsAt", now.minusSeconds(3600).toString()).put("endsAt", now.plusSeconds(86_400).toString())
              .put("items", new io.vertx.core.json.JsonArray().add(new JsonObject().put("productId", productId)
                  .put("salePrice", 7_000).put("limitPerUser", 2)))));
      waitUntil(Duration.ofSeconds(10), () -> lock.waiters() == 1, "the event upsert to wait for the row");
      java.util.concurrent.CompletableFuture<HttpResponse<String>> edit = java.util.concurrent.CompletableFuture
          .supplyAsync(() -> app.putAdmin("/admin/products/" + productId, product("Raced Jacket", 10_000)));
      waitUntil(Duration.ofSeconds(10), () -> lock.waiters() == 2, "the product edit to wait too");
      lock.release();
      assertThat(upsert.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(edit.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      long upserted = new JsonObject(upsert.get().body()).getLong("version");
      assertThat(pool.preparedQuery("select version from events where event_id = $1")
          .execute(io.vertx.sqlclient.Tuple.of(eventId)).await(5, TimeUnit.SECONDS).iterator().next().getLong(0))
          .as("the edit moved the page's version (else a rebuild with the new name is refused as not newer)")
          .isGreaterThan(upserted);
      waitUntil(Duration.ofSeconds(10), () -> app.get("/api/events/" + eventId).body().contains("Raced Jacket"),
          "the event page to show the edited product");
    } finally {
      probe.close();
      pool.close();
    }
  }
}
