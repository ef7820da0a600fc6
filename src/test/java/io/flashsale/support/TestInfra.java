package io.flashsale.support;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Migrations;
import io.flashsale.infra.PgConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives integration tests their real servers, once per test JVM. By default the locally started ones
 * ({@code scripts/infra start}); with {@code FLASHSALE_TEST_CONTAINERS=true} and a Docker engine answering,
 * Testcontainers starts them instead. Each JVM run gets its own Redis key prefix and Kafka topic prefix, so runs
 * never see each other's data; PostgreSQL tests use the {@code flashsale_test} database and unique ids.
 */
public final class TestInfra implements BeforeAllCallback {

  private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
  private static AppConfig config;
  private static Containers containers;

  @Override
  public void beforeAll(ExtensionContext context) {
    config();
  }

  /** The configuration every integration test starts from. */
  public static synchronized AppConfig config() {
    if (config == null) {
      JsonObject overrides = new JsonObject()
          .put("redis.prefix", "fst-" + RUN + ":")
          .put("kafka.topicPrefix", "fst-" + RUN + ".")
          .put("pg.database", "flashsale_test")
          .put("http.port", 0)
          .put("http.instances", 2)
          .put("outbox.sweepMillis", 500)
          // The broker's floor: a test app closed while its group's coordinator reloads (after a broker restart)
          // cannot leave, and the next app waits this long for it.
          .put("kafka.sessionTimeoutMillis", 6000)
          .put("orders.recoveryAfterMillis", 2000)
          .put("orders.recoverySweepMillis", 500)
          .put("payment.simulator.slowMillis", 3000)
          .put("payment.timeoutMillis", 1000)
          .put("payment.breakerResetMillis", 2000)
          // Tests drive many writes of one user on purpose; AdmissionIT puts the production limits back.
          .put("ratelimit.perUserPerSecond", 100_000).put("ratelimit.perUserBurst", 100_000)
          .put("queue.refreshMillis", 250);
      if ("cluster".equals(System.getenv("FLASHSALE_TEST_REDIS"))) {
        // The whole suite on the real Redis Cluster of scripts/infra start redis-cluster (Redlock keeps its
        // independent node on 6379).
        overrides.put("redis.mode", "cluster")
            .put("redis.url", "redis://127.0.0.1:7001,redis://127.0.0.1:7002,redis://127.0.0.1:7003");
      }
      if (Containers.wanted()) {
        containers = Containers.start();
        overrides.mergeIn(containers.overrides());
      }
      config = AppConfig.of(overrides);
      Migrations.migrate(PgConfig.from(config));
    }
    return config;
  }

  public static boolean usingContainers() {
    return containers != null;
  }

  /** Stops the Kafka broker (skips the test when the broker is not ours to stop). */
  public static void stopKafka() {
    if (containers != null) {
      containers.pauseKafka();
      return;
    }
    Assumptions.assumeTrue(Files.exists(repoRoot().resolve(".run/kafka/kafka.pid")),
        "the local Kafka broker was not started by scripts/infra, so this test cannot stop it");
    infra("stop", "kafka");
    waitUntil(Duration.ofSeconds(30), () -> !portOpen(9092), "Kafka to stop");
  }

  public static void startKafka() {
    if (containers != null) {
      containers.unpauseKafka();
      return;
    }
    infra("start", "kafka");
  }

  public static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/infra"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find scripts/infra above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  private static void infra(String... args) {
    try {
      String[] cmd = new String[args.length + 1];
      cmd[0] = repoRoot().resolve("scripts/infra").toString();
      System.arraycopy(args, 0, cmd, 1, args.length);
      Process p = new ProcessBuilder(cmd).directory(repoRoot().toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(System.getProperty("java.io.tmpdir"),
              "flashsale-test-infra.log"))).start();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("scripts/infra " + String.join(" ", args) + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static boolean portOpen(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Polls a condition until it holds; fails the test with {@code what} after the timeout. */
  public static void waitUntil(Duration timeout, java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
