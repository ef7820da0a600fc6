package io.flashsale.infra;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One statement that many callers run at the same moment, group-committed: callers that arrive while a batch of it is
 * in PostgreSQL wait, and the next batch runs all of them (at most {@code maxBatch}) as one multi-row statement — one
 * round trip and one commit instead of one each. The shape is {@link GroupCommit}'s: no timer gathers a batch, an idle
 * statement runs a caller at once with the single-row statement, and batches grow only with load. Each caller gets its
 * own answer.
 *
 * <p>Failures: a batch PostgreSQL refused (a {@link PgException}: its transaction rolled back, nothing of it
 * committed) runs again member by member, so one bad row cannot fail its neighbours. Any other failure — a lost
 * connection, a timeout, where the statement may have committed — reaches every member as it is, for each caller's
 * own handling of an unknown outcome (both statements must therefore be safe to run again, as every caller here is).
 * Bounded: at most {@code maxWaiting} callers wait, each at most {@code maxWaitMillis}; a caller refused either way
 * gets {@link GroupCommit.NotStarted} (503): nothing of it ran.
 *
 * <p>One batcher belongs to the event loop of its first caller (a verticle's own store); a caller on another context
 * is moved onto it and answered on its own.
 */
public final class GroupedStatement<I, O> {

  private final String what;
  private final Clock clock;
  private final long maxWaitMillis;
  private final Function<List<I>, Future<List<O>>> batch;
  private final Function<I, Future<O>> single;
  private final GroupCommit<Waiting<I, O>> commits;
  private volatile Context home;

  /**
   * {@code batch} runs the multi-row statement and answers in its inputs' order; {@code single} runs one input alone.
   * {@code what} names the callers in refusals ("payment authorisations").
   */
  public GroupedStatement(String what, int maxWaiting, int maxBatch, long maxWaitMillis,
                          Function<List<I>, Future<List<O>>> batch, Function<I, Future<O>> single) {
    this.what = what;
    this.clock = Clock.systemUTC();
    this.maxWaitMillis = maxWaitMillis;
    this.batch = batch;
    this.single = single;
    this.commits = new GroupCommit<>(what, clock, maxWaiting, maxBatch, this::commit);
  }

  /** Runs {@code input} in the next batch; answers its own result. */
  public Future<O> run(I input) {
    Context caller = Vertx.currentContext();
    if (home == null && caller != null) {
      synchronized (this) {
        if (home == null) {
          home = caller;
        }
      }
    }
    if (home == null) { // no Vert.x context at all (a plain test thread): nothing to batch with
      return single.apply(input);
    }
    Promise<O> answer = Promise.promise();
    Waiting<I, O> w = new Waiting<>(input, clock.millis() + maxWaitMillis, caller == home ? answer::handle
        : ar -> caller.runOnContext(x -> answer.handle(ar)));
    if (caller == home) {
      commits.submit(what, w);
    } else {
      home.runOnContext(x -> commits.submit(what, w));
    }
    return answer.future();
  }

  private Future<?> commit(List<Waiting<I, O>> members) {
    if (members.size() == 1) {
      Waiting<I, O> only = members.get(0);
      return single.apply(only.input).onComplete(only.answer::accept);
    }
    List<I> inputs = new ArrayList<>(members.size());
    members.forEach(m -> inputs.add(m.input));
    return batch.apply(inputs).transform(ar -> {
      if (ar.succeeded()) {
        List<O> outputs = ar.result();
        for (int i = 0; i < members.size(); i++) {
          members.get(i).answer.accept(Future.succeededFuture(outputs.get(i)));
        }
        return Future.succeededFuture();
      }
      if (ar.cause() instanceof PgException) {
        // Rolled back as a whole: each member alone, so that only the one at fault fails.
        List<Future<O>> alone = new ArrayList<>(members.size());
        members.forEach(m -> alone.add(single.apply(m.input).onComplete(m.answer::accept)));
        return Future.join(alone);
      }
      members.forEach(m -> m.answer.accept(Future.failedFuture(ar.cause())));
      return Future.succeededFuture();
    });
  }

  /** A caller waiting for its batch. */
  private static final class Waiting<I, O> implements GroupCommit.Member {
    final I input;
    final long deadlineMillis;
    final Consumer<AsyncResult<O>> answer;

    Waiting(I input, long deadlineMillis, Consumer<AsyncResult<O>> answer) {
      this.input = input;
      this.deadlineMillis = deadlineMillis;
      this.answer = answer;
    }

    @Override
    public long deadlineMillis() {
      return deadlineMillis;
    }

    @Override
    public void refuse(Throwable reason) {
      answer.accept(Future.failedFuture(reason));
    }
  }
}
