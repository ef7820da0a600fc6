package io.flashsale.infra;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.pgclient.PgException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One statement that many callers run at the same moment, group-committed: callers that arrive while a batch of it is
 * in PostgreSQL wait, and the next batch runs all of them (at most {@code maxBatch}) as one multi-row statement — one
 * round trip and one commit instead of one each. The shape is {@link GroupCommit}'s: no timer gathers a batch, an idle
 * statement runs a caller at once with the single-row statement, and batches grow only with load. A batch without an
 * answer within {@code batchTimeoutMillis} frees the statement for the next. Each caller gets its own answer, on its
 * own context.
 *
 * <p>Failures. A batch PostgreSQL refused for its data — an integrity, data or cardinality error, or a rollback it
 * asks to retry (deadlock, serialization, lock or statement timeout): nothing of it committed — runs again member by
 * member, one after another, so that one bad row cannot fail its neighbours. Any other failure (a lost connection, a
 * server going down, no answer within {@code batchTimeoutMillis}), where the statement may have committed, reaches
 * every member as it is, for each caller's own handling of an unknown outcome: both statements must be safe to run
 * again, as every caller's is. Bounded: at most {@code maxWaiting} callers wait, each at most {@code maxWaitMillis};
 * a caller refused either way gets {@link GroupCommit.NotStarted} (503): nothing of it ran.
 *
 * <p>One batcher belongs to the event loop of its first caller (a verticle's own store); a caller on another event
 * loop is moved onto it. A caller that runs alone runs on its own context (its statement is in its trace); a shared
 * batch runs on a context of its own, so its spans join no caller's trace.
 */
public final class GroupedStatement<I, O> {

  /**
   * Batches of one statement in PostgreSQL at once (per batcher). One: measured on the orders bench, two lanes made
   * smaller batches (4.6 commits per order against 3.3) for no gain; a stalled batch is bounded by its timeout instead.
   */
  static final int LANES = 1;

  private final String what;
  private final Clock clock;
  private final long maxWaitMillis;
  private final long batchTimeoutMillis;
  private final Function<List<I>, Future<List<O>>> batch;
  private final Function<I, Future<O>> single;
  private final GroupCommit<Waiting<I, O>> commits;
  private volatile ContextInternal home;

  /**
   * {@code batch} runs the multi-row statement and answers in its inputs' order; {@code single} runs one input alone.
   * {@code what} names the callers in refusals ("payment authorisations").
   */
  public GroupedStatement(String what, int maxWaiting, int maxBatch, long maxWaitMillis, long batchTimeoutMillis,
                          Function<List<I>, Future<List<O>>> batch, Function<I, Future<O>> single) {
    this.what = what;
    this.clock = Clock.systemUTC();
    this.maxWaitMillis = maxWaitMillis;
    this.batchTimeoutMillis = batchTimeoutMillis;
    this.batch = batch;
    this.single = single;
    this.commits = new GroupCommit<>(what, clock, maxWaiting, maxBatch, LANES, this::commit);
  }

  /** Runs {@code input} in the next batch; answers its own result. */
  public Future<O> run(I input) {
    ContextInternal caller = (ContextInternal) Vertx.currentContext();
    if (home == null && caller != null) {
      synchronized (this) {
        if (home == null) {
          home = caller.unwrap();
        }
      }
    }
    ContextInternal base = home;
    if (base == null) { // no Vert.x context at all (a plain test thread): nothing to batch with
      return single.apply(input);
    }
    Promise<O> answer = Promise.promise();
    ContextInternal own = caller != null && caller.unwrap() == base ? caller : null;
    Waiting<I, O> w = new Waiting<>(input, own, clock.millis() + maxWaitMillis, ar -> {
      if (caller == null || Vertx.currentContext() == caller) {
        settleOnce(answer, ar);
      } else {
        caller.runOnContext(x -> settleOnce(answer, ar));
      }
    });
    if (caller != null && caller.unwrap() == base) {
      submit(w);
    } else {
      base.runOnContext(x -> submit(w));
    }
    return answer.future();
  }

  private static <T> void settleOnce(Promise<T> p, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      p.tryComplete(ar.result());
    } else {
      p.tryFail(ar.cause());
    }
  }

  private void submit(Waiting<I, O> w) {
    commits.submit(what, w);
  }

  private Future<?> commit(List<Waiting<I, O>> members) {
    Promise<Void> laneFree = Promise.promise();
    // A caller alone runs on its own context (its statement's span is in its trace); a shared batch on a context of
    // its own, since its spans belong to no single caller's trace.
    ContextInternal on = members.size() == 1 && members.get(0).context != null ? members.get(0).context
        : home.duplicate();
    on.dispatch(x -> runBatch(members).onComplete(ar -> laneFree.tryComplete()));
    return laneFree.future();
  }

  private Future<?> runBatch(List<Waiting<I, O>> members) {
    if (members.size() == 1) {
      Waiting<I, O> only = members.get(0);
      return withTimeout(single.apply(only.input)).onComplete(only::settle);
    }
    List<I> inputs = new ArrayList<>(members.size());
    members.forEach(m -> inputs.add(m.input));
    return withTimeout(batch.apply(inputs)).transform(ar -> {
      if (ar.succeeded()) {
        List<O> outputs = ar.result();
        for (int i = 0; i < members.size(); i++) {
          members.get(i).settle(Future.succeededFuture(i < outputs.size() ? outputs.get(i) : null));
        }
        return Future.succeededFuture();
      }
      if (rolledBackForItsData(ar.cause())) {
        // Nothing of it committed: each member alone, one after another, so that only the one at fault fails and a
        // refused batch does not become a burst of statements.
        Future<?> chain = Future.succeededFuture();
        for (Waiting<I, O> m : members) {
          chain = chain.transform(x -> withTimeout(single.apply(m.input)).onComplete(m::settle));
        }
        return chain;
      }
      members.forEach(m -> m.settle(Future.failedFuture(ar.cause())));
      return Future.succeededFuture();
    });
  }

  private <T> Future<T> withTimeout(Future<T> f) {
    return f.timeout(batchTimeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS).recover(err ->
        Future.failedFuture(err instanceof TimeoutException ? new TimeoutException("no answer from PostgreSQL to " + what
            + " in " + batchTimeoutMillis + " ms (it may still commit)") : err));
  }

  /**
   * PostgreSQL refused the statement and rolled it back: an integrity (23), data (22) or cardinality (21) error, or a
   * rollback it asks to retry (40: serialization, deadlock; 55P03 lock timeout; 57014 statement timeout). Not a lost
   * connection or a server going down, where the commit may have happened.
   */
  static boolean rolledBackForItsData(Throwable err) {
    if (!(err instanceof PgException pg) || pg.getSqlState() == null) {
      return false;
    }
    String state = pg.getSqlState();
    return state.startsWith("21") || state.startsWith("22") || state.startsWith("23") || state.startsWith("40")
        || state.equals("55P03") || state.equals("57014");
  }

  /** A caller waiting for its batch. */
  private static final class Waiting<I, O> implements GroupCommit.Member {
    final I input;
    final ContextInternal context;
    final long deadlineMillis;
    final Consumer<AsyncResult<O>> answer;

    Waiting(I input, ContextInternal context, long deadlineMillis, Consumer<AsyncResult<O>> answer) {
      this.input = input;
      this.context = context;
      this.deadlineMillis = deadlineMillis;
      this.answer = answer;
    }

    void settle(AsyncResult<O> result) {
      try {
        answer.accept(result);
      } catch (RuntimeException e) {
        // one caller's continuation failing must not leave the rest of its batch unanswered
        org.slf4j.LoggerFactory.getLogger(GroupedStatement.class).warn("a grouped statement's caller failed", e);
      }
    }

    @Override
    public long deadlineMillis() {
      return deadlineMillis;
    }

    @Override
    public void refuse(Throwable reason) {
      settle(Future.failedFuture(reason));
    }
  }
}
