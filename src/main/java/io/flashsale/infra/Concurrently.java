package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Runs an asynchronous action over many items with at most N in flight; fails on the first failure. */
public final class Concurrently {

  private Concurrently() {
  }

  public static <T> Future<Void> forEach(List<T> items, int parallelism, Function<T, Future<?>> action) {
    if (items.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    Iterator<T> it = items.iterator();
    AtomicInteger remaining = new AtomicInteger(items.size());
    Object lock = new Object();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      T item;
      synchronized (lock) {
        if (!it.hasNext()) {
          return;
        }
        item = it.next();
      }
      Future<?> f;
      try {
        f = action.apply(item);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (remaining.decrementAndGet() == 0) {
          done.tryComplete();
        } else {
          next[0].run();
        }
      });
    };
    for (int i = 0; i < Math.min(parallelism, items.size()); i++) {
      next[0].run();
    }
    return done.future();
  }
}
