package io.flashsale.infra;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One statement that many callers run at the same moment, group-committed: callers that arrive while a batch of it is
 * in PostgreSQL wait, and the next batch runs all of them (at most {@code maxBatch}) as one multi-row statement — one
 * round trip and one commit instead of one each. The shape is {@link GroupCommit}'s: no timer gathers a batch, an idle
 * statement runs its caller at once (a batch of one), and batches grow only with load. The statement is written once,
 * for a list of inputs (one array per column, {@code unnest}), and answers in its inputs' order.
 *
 * <p>Every caller gets PostgreSQL's own answer. A batch PostgreSQL refused for its data — an integrity, data or
 * cardinality error, or a rollback it asks to retry (deadlock, serialization, lock or statement timeout): nothing of it
 * committed — runs again member by member, one after another, so that one bad row cannot fail its neighbours. Any
 * other failure (a lost connection, a server going down), where the statement may have committed, reaches every member
 * as it is, for each caller's own handling of an unknown outcome. A batch with no answer after {@code stallMillis}
 * keeps its members waiting for that answer (their own deadlines bound them), but no longer holds the statement: the
 * next batch starts on another connection. Bounded: at most {@code maxWaiting} callers wait, each at most
 * {@code maxWaitMillis}; a caller refused either way gets {@link GroupCommit.NotStarted} (503): nothing of it ran.
 *
 * <p>One batcher belongs to the event loop of its first caller (a verticle's own store); a caller on another event
 * loop is moved onto it. A caller that runs alone runs on its own context (its statement is a span of its trace); a
 * shared batch runs on a context of its own, since its spans belong to no single caller's trace.
 */
public final class GroupedStatement<I, O> {

  private static final Logger LOG = LoggerFactory.getLogger(GroupedStatement.class);

  private final String what;
  private final Clock clock;
  private final long maxWaitMillis;
  private final long stallMillis;
  private final Function<List<I>, Future<List<O>>> statement;
  private final GroupCommit<Waiting<I, O>> commits;
  private volatile ContextInternal home;

  /**
   * {@code statement} runs the inputs as one statement and answers in their order. {@code what} names the callers in
   * refusals and logs ("payment authorisations").
   */
  public GroupedStatement(String what, int maxWaiting, int maxBatch, long maxWaitMillis, long stallMillis,
                          Function<List<I>, Future<List<O>>> statement) {
    this.what = what;
    this.clock = Clock.systemUTC();
    this.maxWaitMillis = maxWaitMillis;
    this.stallMillis = stallMillis;
    this.statement = statement;
    this.commits = new GroupCommit<>(what, clock, maxWaiting, maxBatch, this::commit);
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
      return statement.apply(List.of(input)).map(out -> out.get(0));
    }
    Promise<O> answer = Promise.promise();
    ContextInternal own = caller != null && caller.unwrap() == base ? caller : null;
    Waiting<I, O> w = new Waiting<>(input, own, clock.millis() + maxWaitMillis, ar -> {
      if (caller == null || Vertx.currentContext() == caller) {
        settle(answer, ar);
      } else {
        caller.runOnContext(x -> settle(answer, ar));
      }
    });
    if (own != null) {
      commits.submit(what, w);
    } else {
      base.runOnContext(x -> commits.submit(what, w));
    }
    return answer.future();
  }

  private static <T> void settle(Promise<T> p, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      p.tryComplete(ar.result());
    } else {
      p.tryFail(ar.cause());
    }
  }

  private Future<?> commit(List<Waiting<I, O>> members) {
    Promise<Void> free = Promise.promise();
    long stall = home.setTimer(stallMillis, id -> {
      if (free.tryComplete()) {
        LOG.warn("{}: a batch of {} has had no answer from PostgreSQL for {} ms; the next batch starts without it",
            what, members.size(), stallMillis);
      }
    });
    ContextInternal on = members.size() == 1 && members.get(0).context != null ? members.get(0).context
        : home.duplicate();
    on.dispatch(x -> runBatch(members).onComplete(ar -> {
      home.owner().cancelTimer(stall);
      free.tryComplete();
    }));
    return free.future();
  }

  private Future<?> runBatch(List<Waiting<I, O>> members) {
    List<I> inputs = new ArrayList<>(members.size());
    members.forEach(m -> inputs.add(m.input));
    return statement.apply(inputs).transform(ar -> {
      if (ar.succeeded()) {
        for (int i = 0; i < members.size(); i++) {
          members.get(i).answer.handle(Future.succeededFuture(ar.result().get(i)));
        }
        return Future.succeededFuture();
      }
      if (members.size() > 1 && rolledBackForItsData(ar.cause())) {
        // Nothing of it committed: each member alone, one after another, so that only the one at fault fails and a
        // refused batch does not become a burst of statements.
        Future<?> chain = Future.succeededFuture();
        for (Waiting<I, O> m : members) {
          chain = chain.transform(x -> runBatch(List.of(m)));
        }
        return chain;
      }
      members.forEach(m -> m.answer.handle(Future.failedFuture(ar.cause())));
      return Future.succeededFuture();
    });
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

  /** A caller waiting for its batch: its input, its own context ({@code null}: another loop's), its answer. */
  private record Waiting<I, O>(I input, ContextInternal context, long deadlineMillis,
                               io.vertx.core.Handler<AsyncResult<O>> answer) implements GroupCommit.Member {

    @Override
    public void refuse(Throwable reason) {
      answer.handle(Future.failedFuture(reason));
    }
  }
}
