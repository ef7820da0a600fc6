package io.flashsale.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs tasks one at a time per key, in arrival order (one event loop's state: not thread-safe). Confirms of one hot
 * product queue here instead of all polling its Redlock, so the lock sees one contender per verticle and the queue
 * drains as fast as the database allows.
 */
final class KeyedQueue {

  private final Map<String, Future<?>> tails = new HashMap<>();

  <T> Future<T> run(String key, Supplier<Future<T>> task) {
    Future<?> previous = tails.get(key);
    Promise<T> result = Promise.promise();
    Future<?> start = previous == null ? Future.succeededFuture() : previous.transform(x -> Future.succeededFuture());
    Future<T> mine = start.compose(x -> {
      try {
        return task.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    tails.put(key, mine);
    mine.onComplete(ar -> {
      if (tails.get(key) == mine) {
        tails.remove(key);
      }
      result.handle(ar);
    });
    return result.future();
  }
}
