package io.flashsale.infra;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Group commit in the leader/follower shape of PolarDB-X's hot-row group commit: work of one key (a product's
 * confirms) that arrives while a batch of that key is committing waits, and the next batch takes everything waiting —
 * at most {@code maxBatch} — at once. Nothing waits on a timer to gather a batch: an idle key commits a batch of one
 * at once, and batches grow only as the key gets busy. Bounded twice: at most {@code maxPending} members wait per
 * key (more are refused at once), and a member whose deadline passed while it waited is dropped before its batch
 * starts. Both refusals are {@link NotStarted}: the member provably did nothing. One event loop's state: not
 * thread-safe.
 */
public final class GroupCommit<M extends GroupCommit.Member> {

  /** Something to commit in a batch: it knows its deadline and how to hear that it was refused. */
  public interface Member {
    long deadlineMillis();

    void refuse(Throwable reason);
  }

  /** The member was refused or dropped before its batch started: nothing it would have done happened. */
  public static final class NotStarted extends ApiException {
    public NotStarted(String message) {
      super(ErrorCode.UNAVAILABLE, message);
    }
  }

  private final Map<String, ArrayDeque<M>> waiting = new HashMap<>();
  private final Set<String> committing = new HashSet<>();
  private final Clock clock;
  private final int maxPending;
  private final int maxBatch;
  private final Function<List<M>, Future<?>> commit;
  private final String what;

  /**
   * {@code commit} runs one batch and must settle every member of it; its future says when the key is free again.
   * {@code what} names the members in refusals ("confirms").
   */
  public GroupCommit(String what, Clock clock, int maxPending, int maxBatch, Function<List<M>, Future<?>> commit) {
    this.what = what;
    this.clock = clock;
    this.maxPending = maxPending;
    this.maxBatch = maxBatch;
    this.commit = commit;
  }

  /** Queues {@code member} behind the key's running batch, or starts a batch with it when the key is idle. */
  public void submit(String key, M member) {
    ArrayDeque<M> queue = waiting.computeIfAbsent(key, k -> new ArrayDeque<>());
    if (queue.size() >= maxPending) {
      member.refuse(new NotStarted(queue.size() + " " + what + " of '" + key + "' are already waiting; retry shortly"));
      return;
    }
    queue.add(member);
    if (!committing.contains(key)) {
      next(key);
    }
  }

  private void next(String key) {
    ArrayDeque<M> queue = waiting.get(key);
    List<M> batch = new ArrayList<>();
    long now = clock.millis();
    while (queue != null && !queue.isEmpty() && batch.size() < maxBatch) {
      M m = queue.poll();
      if (now >= m.deadlineMillis()) {
        m.refuse(new NotStarted("one of the " + what + " of '" + key + "' waited past its deadline and was not started"));
      } else {
        batch.add(m);
      }
    }
    if (queue != null && queue.isEmpty()) {
      waiting.remove(key);
    }
    if (batch.isEmpty()) {
      committing.remove(key);
      return;
    }
    committing.add(key);
    Future<?> done;
    try {
      done = commit.apply(batch);
    } catch (RuntimeException e) {
      batch.forEach(m -> m.refuse(e));
      done = Future.succeededFuture();
    }
    done.onComplete(x -> next(key));
  }

  /** Members waiting (not yet in a batch) for {@code key}. */
  int waiting(String key) {
    ArrayDeque<M> queue = waiting.get(key);
    return queue == null ? 0 : queue.size();
  }
}
