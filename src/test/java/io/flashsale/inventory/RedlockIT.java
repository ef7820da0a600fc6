package io.flashsale.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Redlock over three independent redis-server processes")
class RedlockIT {

  private final List<Process> servers = new ArrayList<>();
  private final List<Redis> nodes = new ArrayList<>();
  private Vertx vertx;

  @BeforeEach
  void startNodes() throws Exception {
    vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("redlock");
    for (int i = 0; i < 3; i++) {
      int port = freePort();
      Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("node" + i + ".log").toFile()).start();
      servers.add(p);
      Redis node = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
      nodes.add(node);
      io.flashsale.support.TestInfra.waitUntil(java.time.Duration.ofSeconds(10), () -> {
        try {
          node.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PING)).await(1, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      }, "redis-server on " + port);
    }
  }

  @AfterEach
  void stopNodes() throws Exception {
    servers.forEach(Process::destroyForcibly);
    for (Process p : servers) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Redlock redlock(int attempts) {
    return new Redlock(vertx, nodes, Clock.systemUTC(), 100, attempts, 10);
  }

  private void kill(int node) throws Exception {
    servers.get(node).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("excludes a second owner while held, and only the owner releases")
  void mutualExclusion() throws Exception {
    Redlock a = redlock(1);
    Redlock.Lock held = a.acquire("lock:x", 10_000).await(5, TimeUnit.SECONDS);
    assertThat(held.validUntil()).isGreaterThan(System.currentTimeMillis());
    assertThatThrownBy(() -> redlock(3).acquire("lock:x", 10_000).await(5, TimeUnit.SECONDS))
        .isInstanceOf(Redlock.LockUnavailableException.class);
    // A stranger's release (another token) changes nothing.
    a.release(new Redlock.Lock("lock:x", "not-the-token", 0)).await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> redlock(1).acquire("lock:x", 10_000).await(5, TimeUnit.SECONDS))
        .isInstanceOf(Redlock.LockUnavailableException.class);
    a.release(held).await(5, TimeUnit.SECONDS);
    assertThat(redlock(1).acquire("lock:x", 10_000).await(5, TimeUnit.SECONDS)).isNotNull();
  }

  @Test
  @DisplayName("still locks with one of three nodes stopped, and refuses with two stopped")
  void quorum() throws Exception {
    kill(0);
    Redlock.Lock lock = redlock(2).acquire("lock:q", 5_000).await(5, TimeUnit.SECONDS);
    assertThat(lock).isNotNull();
    redlock(2).release(lock).await(5, TimeUnit.SECONDS);
    kill(1);
    assertThatThrownBy(() -> redlock(3).acquire("lock:q", 5_000).await(5, TimeUnit.SECONDS))
        .isInstanceOf(Redlock.LockUnavailableException.class).hasMessageContaining("1 of 3");
  }

  @Test
  @DisplayName("takes a set of locks all or none: a set overlapping a held one gets none of its keys, and takes them"
      + " all once the holder releases")
  void allOrNone() throws Exception {
    Promise<Void> held = Promise.promise();
    Promise<Void> releaseFirst = Promise.promise();
    Future<Void> first = redlock(1).withLocks(List.of("lock:a", "lock:b"), 10_000, locks -> {
      held.complete();
      return releaseFirst.future();
    });
    held.future().await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> redlock(3).withLocks(List.of("lock:b", "lock:c"), 10_000,
        locks -> Future.succeededFuture()).await(5, TimeUnit.SECONDS))
        .isInstanceOf(Redlock.LockUnavailableException.class);
    // The refused set kept nothing: lock:c is free.
    Redlock.Lock c = redlock(1).acquire("lock:c", 10_000).await(5, TimeUnit.SECONDS);
    redlock(1).release(c).await(5, TimeUnit.SECONDS);
    releaseFirst.complete();
    first.await(5, TimeUnit.SECONDS);
    // Once the holder released, the set is taken whole: while it is held, another caller cannot take lock:c.
    assertThat(redlock(1).withLocks(List.of("lock:b", "lock:c"), 10_000, locks -> redlock(1).acquire("lock:c", 10_000)
            .transform(ar -> Future.succeededFuture(ar.failed() && ar.cause() instanceof Redlock.LockUnavailableException)))
        .await(5, TimeUnit.SECONDS)).as("lock:c held by the set").isTrue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
