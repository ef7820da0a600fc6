package io.flashsale.support;

import io.flashsale.FlashsaleApp;
import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.outbox.KafkaBatchConsumer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A whole flashsale app running in the test JVM on a free port, with a small blocking HTTP client. */
public final class TestApp implements AutoCloseable {

  private final Vertx vertx;
  private final AppConfig config;
  private final int port;
  private final Auth auth;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private TestApp(Vertx vertx, AppConfig config, int port) {
    this.vertx = vertx;
    this.config = config;
    this.port = port;
    this.auth = new Auth(vertx, config.string("auth.jwtSecret"));
  }

  public static TestApp start() {
    return start(TestInfra.config());
  }

  public static TestApp start(AppConfig base) {
    // A port found free can be taken by another process before our bind (seen once in scripts/test): new ports.
    for (int attempt = 1; ; attempt++) {
      try {
        return startOn(base, freePort(), freePort());
      } catch (IllegalStateException e) {
        if (attempt == 3 || !String.valueOf(e.getCause()).contains("Address already in use")) {
          throw e;
        }
      }
    }
  }

  private static TestApp startOn(AppConfig base, int port, int paymentPort) {
    AppConfig config = base.with(new JsonObject().put("http.port", port).put("payment.simulator.port", paymentPort)
        .put("payment.url", "http://127.0.0.1:" + paymentPort));
    Vertx vertx = FlashsaleApp.newVertx(config);
    try {
      FlashsaleApp.deploy(vertx, config).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("app did not start", e);
    }
    awaitConsumersAssigned(vertx);
    return new TestApp(vertx, config, port);
  }

  /**
   * A test's first event must not wait on its consumers' group join: after another app's consumers left the same
   * groups (or a broker restart) the join can take a session timeout, longer than a test's wait for an effect.
   * Skipped while the broker is down (tests that start the app without Kafka).
   */
  private static void awaitConsumersAssigned(Vertx vertx) {
    if (!TestInfra.portOpen(9092)) {
      return;
    }
    long start = System.nanoTime();
    TestInfra.waitUntil(Duration.ofSeconds(60), () -> KafkaBatchConsumer.allAssigned(vertx),
        "the app's Kafka consumers to be assigned partitions");
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (ms > 2_000) {
      System.out.println("TestApp: consumers assigned after " + ms + " ms");
    }
  }

  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  public AppConfig config() {
    return config;
  }

  public String adminToken() {
    return auth.issue("admin-test", true, Duration.ofHours(1));
  }

  public String shopperToken(String userId) {
    return auth.issue(userId, false, Duration.ofHours(1));
  }

  public HttpResponse<String> get(String path, String... headers) {
    return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
  }

  public HttpResponse<String> put(String path, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json");
    return token == null ? send(b) : send(b, "Authorization", "Bearer " + token);
  }

  public HttpResponse<String> putAdmin(String path, JsonObject body) {
    return put(path, adminToken(), body.encode());
  }

  public HttpResponse<String> send(HttpRequest.Builder builder, String... headers) {
    for (int i = 0; i + 1 < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(builder.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
      io.flashsale.infra.Tracing.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

}
