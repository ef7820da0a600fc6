package io.flashsale.inventory;

import io.flashsale.infra.LuaScript;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Layer 2: the Redlock algorithm over N independent Redis nodes. A lock is held when a majority of nodes accepted
 * {@code SET key token NX PX ttl} and the time left (ttl − time spent − clock drift) is positive; it is released
 * only by its owner (compare-and-delete). The lock makes contention cheap; it is not what prevents oversell — the
 * versioned decrement in PostgreSQL is (an expired lock is harmless).
 */
public final class Redlock {

  private static final LuaScript RELEASE = LuaScript.load("redlock_release.lua");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final double CLOCK_DRIFT_FACTOR = 0.01;

  private final Vertx vertx;
  private final List<Redis> nodes;
  private final Clock clock;
  private final long nodeTimeoutMs;
  private final int maxAttempts;
  private final long retryDelayMs;

  /** A held lock: release it with {@link #release(Lock)}; {@code validUntil} is when it may already be gone. */
  public record Lock(String key, String token, long validUntil) {
  }

  public Redlock(Vertx vertx, List<Redis> nodes, Clock clock, long nodeTimeoutMs, int maxAttempts, long retryDelayMs) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("Redlock needs at least one node");
    }
    this.vertx = vertx;
    this.nodes = List.copyOf(nodes);
    this.clock = clock;
    this.nodeTimeoutMs = nodeTimeoutMs;
    this.maxAttempts = maxAttempts;
    this.retryDelayMs = retryDelayMs;
  }

  public int quorum() {
    return nodes.size() / 2 + 1;
  }

  /** Acquires the lock, retrying with jitter; fails with {@link LockUnavailableException} when no quorum is had. */
  public Future<Lock> acquire(String key, long ttlMs) {
    return attemptAll(List.of(key), ttlMs, 1).map(locks -> new Lock(key, locks.token(), locks.validUntil()));
  }

  /** Runs {@code work} under the lock and releases it afterwards, whatever the outcome. */
  public <T> Future<T> withLock(String key, long ttlMs, Function<Lock, Future<T>> work) {
    return withLocks(List.of(key), ttlMs, locks -> work.apply(new Lock(key, locks.token(), locks.validUntil())));
  }

  /** Locks held together under one token (see {@link #withLocks}). */
  public record Locks(List<String> keys, String token, long validUntil) {
  }

  /**
   * Runs {@code work} holding every one of {@code keys} at once and releases them afterwards, whatever the outcome.
   * The keys are asked for in one pipeline per node (one round trip, not one per key); all are held or none: when
   * any key lacks a quorum every key is released and the whole set is tried again after a jittered pause, so two
   * callers wanting overlapping sets never wait on each other in a cycle.
   */
  public <T> Future<T> withLocks(List<String> keys, long ttlMs, Function<Locks, Future<T>> work) {
    return attemptAll(keys, ttlMs, 1).compose(locks -> {
      Future<T> result;
      try {
        result = work.apply(locks);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      return result.eventually(() -> releaseAll(locks.keys(), locks.token()));
    });
  }

  private Future<Locks> attemptAll(List<String> keys, long ttlMs, int attempt) {
    String token = newToken();
    long start = clock.millis();
    List<Future<List<Boolean>>> votes = new ArrayList<>(nodes.size());
    for (Redis node : nodes) {
      List<Request> sets = new ArrayList<>(keys.size());
      keys.forEach(k -> sets.add(Request.cmd(Command.SET).arg(k).arg(token).arg("NX").arg("PX").arg(ttlMs)));
      votes.add(node.batch(sets).timeout(nodeTimeoutMs, TimeUnit.MILLISECONDS)
          .map(answers -> answers.stream().map(r -> r != null && "OK".equals(r.toString())).toList())
          .otherwise(keys.stream().map(k -> false).toList()));
    }
    return Future.join(new ArrayList<>(votes)).transform(x -> {
      long least = Long.MAX_VALUE;
      for (int i = 0; i < keys.size(); i++) {
        int index = i;
        least = Math.min(least, votes.stream().filter(f -> f.result() != null && f.result().get(index)).count());
      }
      long drift = (long) (ttlMs * CLOCK_DRIFT_FACTOR) + 2;
      long validity = ttlMs - (clock.millis() - start) - drift;
      if (least >= quorum() && validity > 0) {
        return Future.succeededFuture(new Locks(keys, token, clock.millis() + validity));
      }
      long granted = least;
      return releaseAll(keys, token).transform(r -> {
        if (attempt >= maxAttempts) {
          return Future.failedFuture(new LockUnavailableException(String.join(",", keys), granted, nodes.size()));
        }
        Promise<Locks> retry = Promise.promise();
        long delay = retryDelayMs / 2 + ThreadLocalRandom.current().nextLong(retryDelayMs + 1);
        vertx.setTimer(Math.max(1, delay), id -> attemptAll(keys, ttlMs, attempt + 1).onComplete(retry));
        return retry.future();
      });
    });
  }

  /** Releases every key we hold under {@code token}, one pipeline per node; never fails. */
  private Future<Void> releaseAll(List<String> keys, String token) {
    List<List<String>> allKeys = keys.stream().map(List::of).toList();
    List<List<Object>> allArgs = keys.stream().map(k -> List.<Object>of(token)).toList();
    List<Future<?>> dels = new ArrayList<>(nodes.size());
    for (Redis node : nodes) {
      dels.add(RELEASE.runAll(node, allKeys, allArgs).timeout(nodeTimeoutMs, TimeUnit.MILLISECONDS).otherwiseEmpty());
    }
    return Future.join(dels).otherwiseEmpty().mapEmpty();
  }

  /** Releases on every node (a node that missed the SET answers 0); never fails. */
  public Future<Void> release(Lock lock) {
    return releaseAll(List.of(lock.key()), lock.token());
  }

  private static String newToken() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** No quorum of lock nodes could be had within the retries: the caller answers 503. */
  public static final class LockUnavailableException extends RuntimeException {
    public LockUnavailableException(String key, long granted, int nodes) {
      super("lock " + key + " not acquired: " + granted + " of " + nodes + " nodes agreed", null, false, false);
    }
  }
}
