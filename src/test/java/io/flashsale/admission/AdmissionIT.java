package io.flashsale.admission;

import io.flashsale.infra.AppConfig;
import io.flashsale.support.Fixtures;
import io.flashsale.support.InventoryProbe;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.flashsale.support.Fixtures.code;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission control end to end over HTTP on the real servers: the puzzle, the line, the token that checkout demands,
 * the operator's switches, and the write rate limit — each refusal proven to change nothing.
 */
@ExtendWith(TestInfra.class)
@DisplayName("Admission control: puzzle, waiting room, admission tokens at checkout, operator switches, 429s")
class AdmissionIT {

  private static TestApp app;
  private static InventoryProbe probe;
  private static AdmissionConfig admission;

  @BeforeAll
  static void start() {
    // The production write limits (10/s, burst 20), unlike the rest of the suite.
    AppConfig config = TestInfra.config().with(new JsonObject().put("ratelimit.perUserPerSecond", 10)
        .put("ratelimit.perUserBurst", 20));
    app = TestApp.start(config);
    probe = new InventoryProbe(app);
    admission = AdmissionConfig.from(app.config());
  }

  @AfterAll
  static void stop() {
    probe.close();
    app.close();
  }

  /** A product with {@code units} in an open event that runs a waiting room; answers {eventId, productId}. */
  private static String[] queuedSale(long units, JsonObject queue) {
    String productId = Fixtures.uniqueId("p");
    String eventId = Fixtures.uniqueId("q");
    Fixtures.createProduct(app, productId, 10_000, units);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> r = app.putAdmin("/admin/events/" + eventId, new JsonObject().put("title", "Queued " + eventId)
        .put("startsAt", now.minus(1, ChronoUnit.HOURS).toString()).put("endsAt", now.plus(1, ChronoUnit.DAYS).toString())
        .put("items", new JsonArray().add(new JsonObject().put("productId", productId).put("salePrice", 7_000)
            .put("limitPerUser", 5)))
        .put("queue", queue));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonObject("queue").getInteger("powBits")).isEqualTo(queue.getInteger("powBits"));
    String shopper = app.shopperToken("probe-" + eventId);
    TestInfra.waitUntil(Duration.ofSeconds(10), () -> app.get("/api/events/" + eventId + "/queue/challenge",
        "Authorization", "Bearer " + shopper).statusCode() == 200, "the waiting room to open");
    TestInfra.waitUntil(Duration.ofSeconds(10), () -> app.get("/api/products/" + productId).body()
        .contains("limitPerUser"), "the sale on the product view");
    return new String[] {eventId, productId};
  }

  private static HttpResponse<String> joinWith(String eventId, String token, String challenge, String nonce) {
    return app.send(Load.post(app.port(), "/api/events/" + eventId + "/queue", token,
        new JsonObject().put("challenge", challenge).put("nonce", nonce).encode()));
  }

  private static JsonObject challenge(String eventId, String token) {
    HttpResponse<String> r = app.get("/api/events/" + eventId + "/queue/challenge", "Authorization", "Bearer " + token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static HttpResponse<String> join(String eventId, String token) {
    JsonObject c = challenge(eventId, token);
    return joinWith(eventId, token, c.getString("challenge"), Puzzle.solve(c.getString("challenge"), c.getInteger("bits")));
  }

  private static JsonObject me(String eventId, String token) {
    HttpResponse<String> r = app.get("/api/events/" + eventId + "/queue/me", "Authorization", "Bearer " + token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  /** Polls the shopper's place until it is ADMITTED; answers the admission token. */
  private static String admitted(String eventId, String token) {
    AtomicReference<String> out = new AtomicReference<>();
    TestInfra.waitUntil(Duration.ofSeconds(15), () -> {
      JsonObject m = me(eventId, token);
      out.set(m.getString("admissionToken"));
      return "ADMITTED".equals(m.getString("state"));
    }, "an admission");
    return out.get();
  }

  private static HttpResponse<String> checkout(String token, String productId, String eventId, String admissionToken) {
    JsonObject body = new JsonObject(Fixtures.checkoutBody(productId, 1));
    if (eventId != null) {
      body.put("eventId", eventId);
    }
    var req = Load.post(app.port(), "/api/checkouts", token, body.encode());
    if (admissionToken != null) {
      req.header(AdmissionGate.HEADER, admissionToken);
    }
    return app.send(req);
  }

  private static long checkoutsOf(String userId) {
    return probe.sql("select count(*) from checkouts where user_id = $1", userId);
  }

  @Test
  @DisplayName("A shopper solves the puzzle, joins (201, then 200 with the same ticket), is admitted, and checks out"
      + " with the token; without one checkout is 403 ADMISSION_REQUIRED and holds nothing")
  void shopperFlow() {
    String[] sale = queuedSale(10, new JsonObject().put("enabled", true).put("admitPerMinute", 6000).put("powBits", 8));
    String eventId = sale[0];
    String productId = sale[1];
    String user = Fixtures.uniqueId("u");
    String token = app.shopperToken(user);

    HttpResponse<String> refused = checkout(token, productId, null, null);
    assertThat(code(refused)).isEqualTo("403 ADMISSION_REQUIRED");
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getJsonObject("details").getString("reason"))
        .isEqualTo("MISSING");
    assertThat(code(checkout(token, productId, eventId, null))).isEqualTo("403 ADMISSION_REQUIRED");
    assertThat(probe.available(productId)).isEqualTo(10);
    assertThat(checkoutsOf(user)).isZero();

    JsonObject c = challenge(eventId, token);
    assertThat(c.getInteger("bits")).isEqualTo(8);
    String nonce = Puzzle.solve(c.getString("challenge"), 8);
    HttpResponse<String> first = joinWith(eventId, token, c.getString("challenge"), nonce);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    String ticketId = new JsonObject(first.body()).getString("ticketId");
    HttpResponse<String> again = joinWith(eventId, token, c.getString("challenge"), nonce);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getString("ticketId")).isEqualTo(ticketId);

    String admissionToken = admitted(eventId, token);
    JsonObject place = me(eventId, token);
    assertThat(place.getString("ticketId")).isEqualTo(ticketId);
    assertThat(place.getString("admissionExpiresAt")).isNotNull();
    HttpResponse<String> held = checkout(token, productId, eventId, admissionToken);
    assertThat(held.statusCode()).as(held.body()).isEqualTo(201);
    assertThat(probe.available(productId)).isEqualTo(9);
  }

  @Test
  @DisplayName("Forged, altered, expired, another user's and another event's tokens are all 403, each with its reason,"
      + " and none holds a unit")
  void forgedTokens() {
    String[] sale = queuedSale(10, new JsonObject().put("admitPerMinute", 6000).put("powBits", 0));
    String[] other = queuedSale(10, new JsonObject().put("admitPerMinute", 6000).put("powBits", 0));
    String user = Fixtures.uniqueId("u");
    String token = app.shopperToken(user);
    String someoneElse = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(join(sale[0], someoneElse).statusCode()).isEqualTo(201);
    String theirs = admitted(sale[0], someoneElse);
    assertThat(join(other[0], token).statusCode()).isEqualTo(201);
    String mineForOther = admitted(other[0], token);
    long future = Instant.now().plusSeconds(600).toEpochMilli();
    String forged = new AdmissionConfig(true, 10, 20, 0, 0, "", 200, 100, 1000, 120,
        "another-secret-of-at-least-thirty-two-chars").tokens().issue(sale[0], user, future, 0);
    String expired = admission.tokens().issue(sale[0], user, Instant.now().minusSeconds(1).toEpochMilli(), 0);
    String altered = admission.tokens().issue(sale[0], "x" + user, future, 0).replace(".x" + user + ".", "." + user + ".");

    assertReason(checkout(token, sale[1], null, forged), "INVALID");
    assertReason(checkout(token, sale[1], null, altered), "INVALID");
    assertReason(checkout(token, sale[1], null, expired), "EXPIRED");
    assertReason(checkout(token, sale[1], null, theirs), "OTHER_USER");
    assertReason(checkout(token, sale[1], sale[0], mineForOther), "OTHER_EVENT");
    assertThat(probe.available(sale[1])).isEqualTo(10);
    assertThat(checkoutsOf(user)).isZero();
  }

  private static void assertReason(HttpResponse<String> r, String reason) {
    assertThat(code(r)).as(r.body()).isEqualTo("403 ADMISSION_REQUIRED");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getJsonObject("details").getString("reason"))
        .isEqualTo(reason);
  }

  @Test
  @DisplayName("Puzzles: a wrong nonce, a stale puzzle and another user's puzzle are 400 and create no ticket")
  void puzzles() {
    String[] sale = queuedSale(10, new JsonObject().put("admitPerMinute", 6000).put("powBits", 12));
    String eventId = sale[0];
    String user = Fixtures.uniqueId("u");
    String token = app.shopperToken(user);
    JsonObject c = challenge(eventId, token);
    String text = c.getString("challenge");
    String wrong = "0";
    while (Puzzle.solves(text, wrong, 12)) {
      wrong = wrong + "0";
    }
    assertThat(code(joinWith(eventId, token, text, wrong))).isEqualTo("400 BAD_REQUEST");
    String user2 = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(code(joinWith(eventId, user2, text, Puzzle.solve(text, 12)))).isEqualTo("400 BAD_REQUEST");
    Puzzle.Challenge stale = admission.puzzle().issue(eventId, user, 0, Instant.now().minusSeconds(1).toEpochMilli());
    HttpResponse<String> staleAnswer = joinWith(eventId, token, stale.text(), "");
    assertThat(code(staleAnswer)).isEqualTo("400 BAD_REQUEST");
    assertThat(staleAnswer.body()).contains("expired");
    HttpResponse<String> none = app.get("/api/events/" + eventId + "/queue/me", "Authorization", "Bearer " + token);
    assertThat(code(none)).isEqualTo("404 NOT_FOUND");
    assertThat(code(app.get("/api/events/no-such-room/queue/challenge", "Authorization", "Bearer " + token)))
        .isEqualTo("404 NOT_FOUND");
  }

  @Test
  @DisplayName("Operator switches: paused admits nobody; queue-everyone revokes live tokens (403 REVOKED) and puts"
      + " their holders back in line; figures on /admin/events/{id}/queue and /admin/stats")
  void operatorSwitches() {
    String[] sale = queuedSale(10, new JsonObject().put("admitPerMinute", 6000).put("powBits", 0));
    String eventId = sale[0];
    String token = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(join(eventId, token).statusCode()).isEqualTo(201);
    String admissionToken = admitted(eventId, token);

    HttpResponse<String> paused = app.putAdmin("/admin/events/" + eventId + "/queue", new JsonObject().put("paused", true)
        .put("queueAll", true));
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    JsonObject figures = new JsonObject(paused.body());
    assertThat(figures.getBoolean("paused")).isTrue();
    assertThat(figures.getLong("generation")).isEqualTo(1);
    assertThat(figures.getLong("waiting")).isEqualTo(1);
    assertReason(checkout(token, sale[1], null, admissionToken), "REVOKED");
    assertThat(me(eventId, token).getString("state")).isEqualTo("WAITING");
    assertThat(me(eventId, token).getBoolean("paused")).isTrue();

    String late = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(join(eventId, late).statusCode()).isEqualTo(201);
    assertThat(me(eventId, late).getLong("position")).isEqualTo(2);
    HttpResponse<String> get = app.get("/admin/events/" + eventId + "/queue", "Authorization", "Bearer " + app.adminToken());
    assertThat(new JsonObject(get.body()).getLong("waiting")).isEqualTo(2);
    TestInfra.waitUntil(Duration.ofSeconds(10), () -> {
      JsonArray queues = new JsonObject(app.get("/admin/stats", "Authorization", "Bearer " + app.adminToken()).body())
          .getJsonArray("queues");
      return queues.stream().map(JsonObject.class::cast).anyMatch(q -> q.getString("eventId").equals(eventId)
          && q.getLong("waiting") == 2 && q.getBoolean("paused"));
    }, "the room's figures on /admin/stats");
    // The figures on /admin/stats are the admission verticle's own measure: it has refreshed since the pause (and
    // ticked every 100 ms meanwhile), and still nobody was admitted.
    assertThat(me(eventId, token).getString("state")).isEqualTo("WAITING");
    assertThat(me(eventId, late).getString("state")).isEqualTo("WAITING");
    assertThat(app.get("/metrics").body()).contains("flashsale_queue_waiting{event=\"" + eventId + "\"}");

    assertThat(app.putAdmin("/admin/events/" + eventId + "/queue", new JsonObject().put("paused", false)).statusCode())
        .isEqualTo(200);
    String fresh = admitted(eventId, token);
    assertThat(checkout(token, sale[1], null, fresh).statusCode()).isEqualTo(201);
    assertThat(code(app.putAdmin("/admin/events/" + eventId + "/queue", new JsonObject().put("bogus", 1))))
        .isEqualTo("400 BAD_REQUEST");
    assertThat(code(app.putAdmin("/admin/events/nope-" + eventId + "/queue", new JsonObject().put("paused", true))))
        .isEqualTo("404 NOT_FOUND");
  }

  @Test
  @DisplayName("A sold-out event tells waiters SOLD_OUT at once instead of letting them wait")
  void soldOut() {
    String[] sale = queuedSale(0, new JsonObject().put("admitPerMinute", 1).put("powBits", 0));
    String eventId = sale[0];
    String first = app.shopperToken(Fixtures.uniqueId("u"));
    String second = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(join(eventId, first).statusCode()).isEqualTo(201);
    assertThat(join(eventId, second).statusCode()).isEqualTo(201);
    TestInfra.waitUntil(Duration.ofSeconds(10), () -> "SOLD_OUT".equals(me(eventId, second).getString("state")),
        "the waiter to be told SOLD_OUT");
  }

  @Test
  @DisplayName("A user hammering checkout gets 429 RATE_LIMITED with Retry-After once past the burst of 20, and a"
      + " refused request holds nothing: units held = checkouts answered 201")
  void rateLimited() {
    String productId = Fixtures.uniqueId("p");
    Fixtures.createProduct(app, productId, 10_000, 1_000);
    String user = Fixtures.uniqueId("u");
    String token = app.shopperToken(user);
    int created = 0;
    int limited = 0;
    String retryAfter = null;
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = app.send(Load.post(app.port(), "/api/checkouts", token, Fixtures.checkoutBody(productId, 1)));
      if (r.statusCode() == 201) {
        created++;
      } else {
        assertThat(code(r)).as(r.body()).isEqualTo("429 RATE_LIMITED");
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        limited++;
      }
    }
    assertThat(limited).isPositive();
    assertThat(created).isBetween(20, 39);
    assertThat(retryAfter).isNotNull();
    assertThat(Integer.parseInt(retryAfter)).isPositive();
    assertThat(probe.available(productId)).isEqualTo(1_000 - created);
    assertThat(checkoutsOf(user)).isEqualTo(created);
    // Another user is not slowed by this one, and reads are never limited.
    String other = app.shopperToken(Fixtures.uniqueId("u"));
    assertThat(app.send(Load.post(app.port(), "/api/checkouts", other, Fixtures.checkoutBody(productId, 1))).statusCode())
        .isEqualTo(201);
    for (int i = 0; i < 30; i++) {
      assertThat(app.get("/api/products/" + productId).statusCode()).isEqualTo(200);
    }
  }
}
