package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs tasks one at a time per key, in arrival order (one event loop's state: not thread-safe). Confirms of one hot
 * product queue here instead of all polling its Redlock, so the lock sees one contender per verticle and the queue
 * drains as fast as the database allows. Bounded twice: at most {@code maxPending} tasks wait per key (more are
 * refused at once), and a task whose deadline passed while it waited is dropped before it starts — its caller has
 * given up, so starting it would make an outcome nobody adopts. Both refusals are {@link NotStarted}: the task
 * provably did nothing.
 */
final class KeyedQueue {

  /** The task was refused or dropped before it started: nothing it would have done happened. */
  static final class NotStarted extends ApiException {
    NotStarted(String message) {
      super(io.flashsale.http.ErrorCode.UNAVAILABLE, message);
    }
  }

  private final Map<String, Future<?>> tails = new HashMap<>();
  private final Map<String, Integer> pending = new HashMap<>();
  private final Clock clock;
  private final int maxPending;

  KeyedQueue(Clock clock, int maxPending) {
    this.clock = clock;
    this.maxPending = maxPending;
  }

  /** Runs {@code task} after the key's earlier tasks, unless the queue is full or {@code deadlineMillis} passes first. */
  <T> Future<T> run(String key, long deadlineMillis, Supplier<Future<T>> task) {
    int waiting = pending.getOrDefault(key, 0);
    if (waiting >= maxPending) {
      return Future.failedFuture(new NotStarted(waiting + " confirms of '" + key + "' are already waiting; retry shortly"));
    }
    pending.put(key, waiting + 1);
    Future<?> previous = tails.get(key);
    Promise<T> result = Promise.promise();
    Future<?> start = previous == null ? Future.succeededFuture() : previous.transform(x -> Future.succeededFuture());
    Future<T> mine = start.compose(x -> {
      if (clock.millis() >= deadlineMillis) {
        return Future.failedFuture(new NotStarted("the confirm waited past its deadline and was not started"));
      }
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
      pending.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
      result.handle(ar);
    });
    return result.future();
  }

  int waiting(String key) {
    return pending.getOrDefault(key, 0);
  }
}
