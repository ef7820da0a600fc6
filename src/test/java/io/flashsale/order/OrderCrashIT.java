package io.flashsale.order;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.support.Load;
import io.flashsale.support.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.checkoutBody;
import static io.flashsale.support.Fixtures.product;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("An app process killed (kill -9) between payment and stock confirmation")
class OrderCrashIT {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private Vertx vertx;
  private Pool pool;
  private Process app;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    pool = PgConfig.from(TestInfra.config()).pool(vertx, "test", 2);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (app != null && app.isAlive()) {
      app.destroy();
      app.waitFor(30, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Starts {@code java -jar target/flashsale.jar serve} as its own JVM, on the test servers and prefixes. */
  private Process startApp(int port, int paymentPort, String crashAfterStep, String logName) throws Exception {
    Path jar = TestInfra.repoRoot().resolve("target/flashsale.jar");
    assertThat(jar).as("the jar is built before integration tests (mvn verify)").exists();
    ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString(), "serve", "--no-migrate")
        .directory(Files.createTempDirectory("flashsale-child").toFile()).redirectErrorStream(true)
        .redirectOutput(new File(TestInfra.repoRoot().resolve("target").toFile(), logName));
    Map<String, String> env = pb.environment();
    JsonObject config = TestInfra.config().asJson();
    for (String key : config.fieldNames()) {
      env.put(AppConfig.envName(key), String.valueOf(config.getValue(key)));
    }
    env.put("FLASHSALE_JWT_SECRET", TestInfra.config().string("auth.jwtSecret"));
    env.put("FLASHSALE_HTTP_PORT", String.valueOf(port));
    env.put("FLASHSALE_HTTP_INSTANCES", "1");
    env.put("FLASHSALE_INVENTORY_INSTANCES", "1");
    env.put("FLASHSALE_PAYMENT_SIMULATOR_PORT", String.valueOf(paymentPort));
    env.put("FLASHSALE_PAYMENT_URL", "http://127.0.0.1:" + paymentPort);
    env.put("FLASHSALE_ORDERS_RECOVERY_AFTER_MILLIS", "1000");
    env.put("FLASHSALE_ORDERS_CRASH_AFTER_STEP", crashAfterStep);
    Process p = pb.start();
    waitUntil(Duration.ofSeconds(60), () -> {
      if (!p.isAlive()) {
        throw new AssertionError("the app exited during start; see target/" + logName);
      }
      try {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).GET()).statusCode() > 0;
      } catch (IllegalStateException e) {
        return false;
      }
    }, "the app on :" + port);
    return p;
  }

  private HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> put(int port, String path, String token, JsonObject body) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private Row row(String sql, String arg) throws Exception {
    return pool.preparedQuery(sql).execute(Tuple.of(arg)).await(5, TimeUnit.SECONDS).iterator().next();
  }

  @Test
  @DisplayName("after a restart the saga is finished or compensated, and payment and stock agree")
  void killedMidSaga() throws Exception {
    int port = freePort();
    int paymentPort = freePort();
    Auth auth = new Auth(vertx, TestInfra.config().string("auth.jwtSecret"));
    String admin = auth.issue("ops", true, Duration.ofHours(1));
    String shopper = auth.issue(uniqueId("u"), false, Duration.ofHours(1));

    app = startApp(port, paymentPort, SagaStep.PAYMENT_AUTHORIZED, "crash-child-1.log");
    String productId = uniqueId("p");
    assertThat(put(port, "/admin/products/" + productId, admin, product("Crash Jacket", 10_000)).statusCode()).isEqualTo(200);
    assertThat(put(port, "/admin/products/" + productId + "/stock", admin, new JsonObject().put("quantity", 5))
        .statusCode()).isEqualTo(200);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    assertThat(put(port, "/admin/events/" + uniqueId("e"), admin, new JsonObject().put("title", "crash")
        .put("startsAt", now.minus(1, ChronoUnit.HOURS).toString()).put("endsAt", now.plus(1, ChronoUnit.DAYS).toString())
        .put("items", new JsonArray().add(new JsonObject().put("productId", productId).put("salePrice", 7_000)
            .put("limitPerUser", 2)))).statusCode()).isEqualTo(200);
    waitUntil(Duration.ofSeconds(10), () -> new JsonObject(send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/api/products/" + productId)).GET()).body()).getValue("event") != null,
        "the sale on the product view");
    HttpResponse<String> checkout = send(Load.post(port, "/api/checkouts", shopper, checkoutBody(productId, 1)));
    assertThat(checkout.statusCode()).as(checkout.body()).isEqualTo(201);
    String checkoutId = new JsonObject(checkout.body()).getString("checkoutId");

    // The order: the process halts right after the payment was authorised, before the stock was confirmed.
    String key = uniqueId("k");
    String orderBody = new JsonObject().put("checkoutId", checkoutId)
        .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")).encode();
    try {
      send(Load.post(port, "/api/orders", shopper, orderBody).header("Idempotency-Key", key));
    } catch (IllegalStateException expected) {
      // the connection died with the process
    }
    assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("the app died").isTrue();
    assertThat(app.exitValue()).isEqualTo(137);
    Row stalled = row("select order_id, status, saga_step, payment_id from orders where checkout_id = $1", checkoutId);
    String orderId = stalled.getString("order_id");
    assertThat(stalled.getString("status")).isEqualTo("PENDING");
    // The authorisation is recorded by the stock's transaction, which never ran: the provider's record is the truth.
    assertThat(stalled.getString("saga_step")).isEqualTo(SagaStep.STARTED);
    assertThat(row("select status from sim_payments where idempotency_key = $1", orderId).getString(0))
        .isEqualTo("AUTHORIZED");
    assertThat(row("select quantity from stock where product_id = $1", productId).getLong(0)).isEqualTo(5);

    // Restart without the crash switch: recovery finishes (or compensates) the saga.
    app = startApp(port, paymentPort, "", "crash-child-2.log");
    waitUntil(Duration.ofSeconds(60), () -> {
      try {
        Row r = row("select status, payment_status from orders where order_id = $1", orderId);
        return !"PENDING".equals(r.getString(0)) && !"AUTHORIZED".equals(r.getString(1));
      } catch (Exception e) {
        return false;
      }
    }, "recovery to finish or compensate the order");
    String status = row("select status from orders where order_id = $1", orderId).getString(0);
    String payment = row("select status from sim_payments where idempotency_key = $1", orderId).getString(0);
    long stock = row("select quantity from stock where product_id = $1", productId).getLong(0);
    System.out.printf("after recovery: order %s, payment %s, stock %d%n", status, payment, stock);
    if ("CONFIRMED".equals(status)) {
      // The client's retry with the same key gets the order recovery confirmed (not a 409 until the key goes stale).
      HttpResponse<String> retry = send(Load.post(port, "/api/orders", shopper, orderBody).header("Idempotency-Key", key));
      assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
      assertThat(new JsonObject(retry.body()).getString("orderId")).isEqualTo(orderId);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
      assertThat(payment).isEqualTo("CAPTURED");
      assertThat(stock).isEqualTo(4);
      assertThat(row("select status from checkouts where checkout_id = $1", checkoutId).getString(0)).isEqualTo("CONFIRMED");
    } else {
      assertThat(status).isEqualTo("FAILED");
      assertThat(payment).isEqualTo("VOIDED");
      assertThat(stock).isEqualTo(5);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
