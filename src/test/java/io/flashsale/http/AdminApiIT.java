package io.flashsale.http;

import io.flashsale.infra.PgConfig;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.product;
import static io.flashsale.support.Fixtures.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The admin API refuses what it must, with API.md's codes, and writes nothing when it does")
class AdminApiIT {

  private static TestApp app;
  private static Pool pool;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    PgConfig pg = PgConfig.from(app.config());
    pool = pg.pool(app.vertx(), "test", 4);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static long rows(String sql, String id) {
    try {
      return pool.preparedQuery(sql).execute(Tuple.of(id)).await(5, TimeUnit.SECONDS).iterator().next().getLong(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertNothingWritten(String productId) {
    assertThat(rows("select count(*) from products where product_id = $1", productId)).isZero();
    assertThat(rows("select count(*) from outbox where aggregate_id = $1", productId)).isZero();
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getJsonObject("details")).isNotNull();
  }

  @Test
  @DisplayName("No token, a forged token and an expired token get 401")
  void unauthenticated() {
    String id = uniqueId("p");
    String body = product("x", 1000).encode();
    assertError(app.put("/admin/products/" + id, null, body), 401, "UNAUTHORIZED");
    Auth forger = new Auth(app.vertx(), "an-attacker-secret-that-is-long-enough-0123456789");
    assertError(app.put("/admin/products/" + id, forger.issue("ops", true, Duration.ofHours(1)), body), 401,
        "UNAUTHORIZED");
    Auth real = new Auth(app.vertx(), app.config().string("auth.jwtSecret"));
    assertError(app.put("/admin/products/" + id, real.issue("ops", true, Duration.ofSeconds(-60)), body), 401,
        "UNAUTHORIZED");
    assertNothingWritten(id);
  }

  @Test
  @DisplayName("A shopper token on /admin gets 403")
  void shopperIsForbidden() {
    String id = uniqueId("p");
    assertError(app.put("/admin/products/" + id, app.shopperToken("u1"), product("x", 1000).encode()), 403,
        "FORBIDDEN");
    assertNothingWritten(id);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "malformed JSON            | {\"name\": ",
      "not an object             | [1,2,3]",
      "missing price             | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\"}",
      "negative price            | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":-1}",
      "fractional price          | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":10.5}",
      "price as a string         | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":\"1000\"}",
      "huge price                | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1e30}",
      "blank name                | {\"name\":\" \",\"brand\":\"b\",\"category\":\"c\",\"price\":1}",
      "unknown field             | {\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1,\"prise\":2}",
      "name with a control char  | {\"name\":\"a\\u0000b\",\"brand\":\"b\",\"category\":\"c\",\"price\":1}",
  })
  @DisplayName("Bad product bodies get 400 BAD_REQUEST and write nothing")
  void badBodies(String what, String body) {
    String id = uniqueId("p");
    assertError(app.put("/admin/products/" + id, app.adminToken(), body), 400, "BAD_REQUEST");
    assertNothingWritten(id);
  }

  @Test
  @DisplayName("A bad id in the path gets 400; a body over 64 KiB gets 413; both write nothing")
  void badPathAndOversizeBody() {
    assertError(app.put("/admin/products/bad.id", app.adminToken(), product("x", 1).encode()), 400, "BAD_REQUEST");
    String id = uniqueId("p");
    String huge = product("x".repeat(70_000), 1).encode();
    assertError(app.put("/admin/products/" + id, app.adminToken(), huge), 413, "PAYLOAD_TOO_LARGE");
    assertNothingWritten(id);
  }

  @Test
  @DisplayName("Events: unknown products get 404, a sale price above the list price or endsAt before startsAt get 400")
  void badEvents() {
    String eventId = uniqueId("e");
    String productId = uniqueId("p");
    assertThat(app.putAdmin("/admin/products/" + productId, product("x", 1_000)).statusCode()).isEqualTo(200);
    JsonObject event = new JsonObject().put("title", "t").put("startsAt", "2030-01-01T00:00:00Z")
        .put("endsAt", "2030-01-02T00:00:00Z");
    assertError(app.putAdmin("/admin/events/" + eventId, event.copy().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("productId", "missing-" + productId).put("salePrice", 1).put("limitPerUser", 1)))),
        404, "NOT_FOUND");
    assertError(app.putAdmin("/admin/events/" + eventId, event.copy().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("productId", productId).put("salePrice", 2_000).put("limitPerUser", 1)))),
        400, "BAD_REQUEST");
    assertError(app.putAdmin("/admin/events/" + eventId, event.copy().put("endsAt", "2029-01-01T00:00:00Z")
        .put("items", new io.vertx.core.json.JsonArray())), 400, "BAD_REQUEST");
    assertThat(rows("select count(*) from events where event_id = $1", eventId)).isZero();
  }

  @Test
  @DisplayName("Stock for an unknown product gets 404; users get a grade")
  void stockAndUsers() {
    assertError(app.putAdmin("/admin/products/" + uniqueId("nope") + "/stock", new JsonObject().put("quantity", 1)),
        404, "NOT_FOUND");
    String userId = uniqueId("u");
    HttpResponse<String> r = app.putAdmin("/admin/users/" + userId, new JsonObject().put("grade", "GOLD"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("grade")).isEqualTo("GOLD");
    assertError(app.putAdmin("/admin/users/" + userId, new JsonObject().put("grade", "gold!")), 400, "BAD_REQUEST");
  }

  @Test
  @DisplayName("/health reports every dependency, /metrics speaks Prometheus, /openapi.yaml is served")
  void operations() {
    HttpResponse<String> health = app.get("/health");
    JsonObject checks = new JsonObject(health.body()).getJsonObject("checks");
    assertThat(checks.fieldNames()).containsExactlyInAnyOrder("redis", "postgres", "kafka");
    assertThat(checks.getString("redis")).isEqualTo("UP");
    assertThat(checks.getString("postgres")).isEqualTo("UP");
    assertThat(app.get("/metrics").body()).contains("# TYPE");
    HttpResponse<String> openapi = app.get("/openapi.yaml");
    assertThat(openapi.statusCode()).isEqualTo(200);
    assertThat(openapi.body()).startsWith("openapi: 3").contains("/api/events/{eventId}");
  }

  @Test
  @DisplayName("Stock: If-Match with a stale version gets 412 and changes nothing; adjust adds and takes, never below 0")
  void stockIfMatchAndAdjust() {
    String id = uniqueId("p");
    assertThat(app.putAdmin("/admin/products/" + id, product("Knit", 30_000)).statusCode()).isEqualTo(200);
    HttpResponse<String> set = app.putAdmin("/admin/products/" + id + "/stock", new JsonObject().put("quantity", 10));
    long version = new JsonObject(set.body()).getLong("version");

    HttpResponse<String> stale = app.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
        + app.port() + "/admin/products/" + id + "/stock")).header("content-type", "application/json")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"quantity\":99}")),
        "Authorization", "Bearer " + app.adminToken(), "If-Match", "\"" + (version - 1) + "\"");
    assertError(stale, 412, "PRECONDITION_FAILED");
    assertThat(new JsonObject(stale.body()).getJsonObject("error").getJsonObject("details").getLong("quantity"))
        .isEqualTo(10);
    HttpResponse<String> fresh = app.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
        + app.port() + "/admin/products/" + id + "/stock")).header("content-type", "application/json")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"quantity\":12}")),
        "Authorization", "Bearer " + app.adminToken(), "If-Match", "\"" + version + "\"");
    assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(200);
    assertThat(new JsonObject(fresh.body()).getLong("quantity")).isEqualTo(12);

    HttpResponse<String> add = app.send(Load.post(app.port(), "/admin/products/" + id + "/stock/adjust",
        app.adminToken(), "{\"delta\":-5}"));
    assertThat(add.statusCode()).as(add.body()).isEqualTo(200);
    assertThat(new JsonObject(add.body()).getLong("quantity")).isEqualTo(7);
    assertError(app.send(Load.post(app.port(), "/admin/products/" + id + "/stock/adjust", app.adminToken(),
        "{\"delta\":-8}")), 409, "INSUFFICIENT_STOCK");
    assertError(app.send(Load.post(app.port(), "/admin/products/" + id + "/stock/adjust", app.adminToken(),
        "{\"delta\":0}")), 400, "BAD_REQUEST");
    assertError(app.send(Load.post(app.port(), "/admin/products/" + uniqueId("nope") + "/stock/adjust",
        app.adminToken(), "{\"delta\":1}")), 404, "NOT_FOUND");
    assertThat(new JsonObject(app.putAdmin("/admin/products/" + id + "/stock", new JsonObject().put("quantity", 7))
        .body()).getLong("quantity")).isEqualTo(7);
  }

  @Test
  @DisplayName("/admin (no trailing slash) leads to the dashboard, never carrying a query along; a 401 on /admin says"
      + " how to get an admin token")
  void dashboardAddressAndHints() {
    HttpResponse<String> bare = app.get("/admin?token=" + app.adminToken());
    assertThat(bare.statusCode()).isEqualTo(302);
    assertThat(bare.headers().firstValue("Location")).contains("/admin/");
    HttpResponse<String> none = app.put("/admin/users/" + uniqueId("u"), null, "{\"grade\":\"GOLD\"}");
    assertError(none, 401, "UNAUTHORIZED");
    assertThat(new JsonObject(none.body()).getJsonObject("error").getString("message")).contains("--admin")
        .contains("FLASHSALE_JWT_SECRET");
  }
}
