package io.flashsale.display;

import io.vertx.core.Future;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one load per key in flight in this process: concurrent callers for the same key share its future. Safe
 * across event loops; a caller's callbacks may run on the loader's event loop, so hop back before touching
 * context-bound state.
 */
public final class SingleFlight<V> {

  private final ConcurrentHashMap<String, Future<V>> inflight = new ConcurrentHashMap<>();

  public Future<V> run(String key, Supplier<Future<V>> load) {
    Future<V>[] mine = new Future[1];
    Future<V> shared = inflight.computeIfAbsent(key, k -> {
      Future<V> f;
      try {
        f = load.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      mine[0] = f;
      return f;
    });
    if (mine[0] != null) {
      shared.onComplete(ar -> inflight.remove(key, shared));
      if (shared.isComplete()) {
        inflight.remove(key, shared);
      }
    }
    return shared;
  }

  public int inFlight() {
    return inflight.size();
  }
}
