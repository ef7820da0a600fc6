package io.flashsale.display;

import io.vertx.core.Future;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one load per key in flight in this process: concurrent callers for the same key share its future. Safe
 * across event loops; a caller's callbacks may run on the loader's event loop, so hop back before touching
 * context-bound state. A load older than {@code maxAgeMillis} is no longer shared — one that never completes (a lost
 * answer) must not pin its key, or the key would never be refreshed again in this process.
 */
public final class SingleFlight<V> {

  private record Flight<V>(Future<V> future, long startedAt) {
  }

  private final ConcurrentHashMap<String, Flight<V>> inflight = new ConcurrentHashMap<>();
  private final Clock clock;
  private final long maxAgeMillis;

  public SingleFlight() {
    this(Clock.systemUTC(), 10_000);
  }

  public SingleFlight(Clock clock, long maxAgeMillis) {
    this.clock = clock;
    this.maxAgeMillis = maxAgeMillis;
  }

  public Future<V> run(String key, Supplier<Future<V>> load) {
    long now = clock.millis();
    @SuppressWarnings("unchecked")
    Flight<V>[] mine = new Flight[1];
    Flight<V> shared = inflight.compute(key, (k, current) -> {
      if (current != null && now - current.startedAt() < maxAgeMillis) {
        return current;
      }
      Future<V> f;
      try {
        f = load.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      mine[0] = new Flight<>(f, now);
      return mine[0];
    });
    if (mine[0] != null) {
      shared.future().onComplete(ar -> inflight.remove(key, shared));
      if (shared.future().isComplete()) {
        inflight.remove(key, shared);
      }
    }
    return shared.future();
  }

  public int inFlight() {
    return inflight.size();
  }
}
