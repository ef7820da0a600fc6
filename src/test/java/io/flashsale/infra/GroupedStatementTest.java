package io.flashsale.infra;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A statement group-committed for the callers that run it at the same moment")
class GroupedStatementTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context home = vertx.getOrCreateContext();

  /** Every statement run, as its inputs ("[a]" alone, "[y, z]" shared). */
  private final List<String> ran = new CopyOnWriteArrayList<>();
  /** Shared batches, each answered when the test says so. */
  private final List<Promise<List<String>>> batches = new CopyOnWriteArrayList<>();
  /** What a statement naming "first" waits for: it keeps the statement busy so that the next callers queue. */
  private final Promise<List<String>> first = Promise.promise();

  /**
   * The statement under test: one naming "first" answers when {@link #first} does, and "stuck" never; a shared batch
   * answers from {@link #batches}; alone, "bad…" is refused by PostgreSQL for its data and anything else is upper-cased.
   */
  private GroupedStatement<String, String> statement(int maxWaiting, long stallMillis) {
    return new GroupedStatement<>("tests", maxWaiting, 10, 60_000, stallMillis, inputs -> {
      ran.add(inputs.toString());
      if (inputs.contains("first")) {
        return first.future();
      }
      if (inputs.contains("stuck")) {
        return Promise.<List<String>>promise().future();
      }
      if (inputs.size() > 1) {
        Promise<List<String>> p = Promise.promise();
        batches.add(p);
        return p.future();
      }
      String only = inputs.get(0);
      return only.startsWith("bad") ? Future.failedFuture(new PgException("duplicate", "ERROR", "23505", null))
          : Future.succeededFuture(List.of(only.toUpperCase()));
    });
  }

  private final GroupedStatement<String, String> statement = statement(3, 60_000);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T on(Context context, Supplier<T> action) throws Exception {
    CompletableFuture<T> out = new CompletableFuture<>();
    context.runOnContext(x -> out.complete(action.get()));
    return out.get(5, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(Future<?> f) throws Exception {
    try {
      await(f);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Runs the inputs in one turn of the statement's event loop, in order; answers each call. */
  private List<Future<String>> runAll(GroupedStatement<String, String> s, String... inputs) throws Exception {
    return on(home, () -> java.util.Arrays.stream(inputs).map(s::run).toList());
  }

  @Test
  @DisplayName("an idle statement runs its caller at once, alone")
  void idleRunsAlone() throws Exception {
    assertThat(await(runAll(statement, "a").get(0))).isEqualTo("A");
    assertThat(ran).containsExactly("[a]");
  }

  @Test
  @DisplayName("callers arriving while a batch runs share the next batch, and each gets its own answer")
  void waitingCallersShareABatch() throws Exception {
    List<Future<String>> calls = runAll(statement, "first", "y", "z");
    assertThat(ran).containsExactly("[first]");
    on(home, () -> first.tryComplete(List.of("FIRST")));
    assertThat(await(calls.get(0))).isEqualTo("FIRST");
    assertThat(ran).containsExactly("[first]", "[y, z]");
    on(home, () -> batches.get(0).tryComplete(List.of("Y!", "Z!")));
    assertThat(await(calls.get(1))).isEqualTo("Y!");
    assertThat(await(calls.get(2))).isEqualTo("Z!");
  }

  @Test
  @DisplayName("a batch PostgreSQL refused for its data runs again member by member, in turn: only the bad one fails")
  void refusedBatchSplits() throws Exception {
    List<Future<String>> calls = runAll(statement, "first", "good", "bad1");
    on(home, () -> first.tryComplete(List.of("FIRST")));
    on(home, () -> batches.get(0).tryFail(new PgException("duplicate key", "ERROR", "23505", "detail")));
    assertThat(await(calls.get(1))).isEqualTo("GOOD");
    assertThat(failureOf(calls.get(2))).isInstanceOf(PgException.class);
    assertThat(ran).containsExactly("[first]", "[good, bad1]", "[good]", "[bad1]");
  }

  @Test
  @DisplayName("a batch whose outcome is unknown (a lost connection) fails every member with that cause, never re-run")
  void unknownOutcomeReachesEveryMember() throws Exception {
    List<Future<String>> calls = runAll(statement, "first", "p", "q");
    on(home, () -> first.tryComplete(List.of("FIRST")));
    IllegalStateException lost = new IllegalStateException("connection closed");
    on(home, () -> batches.get(0).tryFail(lost));
    assertThat(failureOf(calls.get(1))).isSameAs(lost);
    assertThat(failureOf(calls.get(2))).isSameAs(lost);
    assertThat(ran).containsExactly("[first]", "[p, q]");
  }

  @Test
  @DisplayName("more callers than may wait are refused at once with NotStarted, and nothing of theirs runs")
  void boundedQueue() throws Exception {
    List<Future<String>> calls = runAll(statement, "first", "w1", "w2", "w3", "w4");
    assertThat(failureOf(calls.get(4))).isInstanceOf(GroupCommit.NotStarted.class);
    on(home, () -> first.tryComplete(List.of("FIRST")));
    assertThat(ran).containsExactly("[first]", "[w1, w2, w3]");
  }

  @Test
  @DisplayName("a batch PostgreSQL does not answer stops holding the statement after its stall time, and its caller"
      + " still waits for PostgreSQL's answer instead of being told a failure")
  void stalledBatchFreesTheStatement() throws Exception {
    List<Future<String>> calls = runAll(statement(3, 100), "stuck", "next");
    assertThat(await(calls.get(1))).isEqualTo("NEXT");
    assertThat(calls.get(0).isComplete()).as("the stalled caller is not answered for PostgreSQL").isFalse();
    assertThat(ran).containsExactly("[stuck]", "[next]");
  }

  @Test
  @DisplayName("only PostgreSQL's refusals for the data or a retryable rollback split a batch; a server going away does not")
  void whichFailuresSplit() {
    assertThat(GroupedStatement.rolledBackForItsData(new PgException("dup", "ERROR", "23505", null))).isTrue();
    assertThat(GroupedStatement.rolledBackForItsData(new PgException("deadlock", "ERROR", "40P01", null))).isTrue();
    assertThat(GroupedStatement.rolledBackForItsData(new PgException("lock", "ERROR", "55P03", null))).isTrue();
    assertThat(GroupedStatement.rolledBackForItsData(new PgException("admin", "FATAL", "57P01", null))).isFalse();
    assertThat(GroupedStatement.rolledBackForItsData(new PgException("link", "FATAL", "08006", null))).isFalse();
    assertThat(GroupedStatement.rolledBackForItsData(new IllegalStateException("closed"))).isFalse();
  }

  @Test
  @DisplayName("callers on different request contexts of one event loop share a batch, each answered on its own")
  void duplicatedContextsShareABatch() throws Exception {
    ContextInternal base = (ContextInternal) home;
    Context one = base.duplicate();
    Context two = base.duplicate();
    runAll(statement, "first");
    CompletableFuture<Boolean> oneOnItsOwn = new CompletableFuture<>();
    CompletableFuture<Boolean> twoOnItsOwn = new CompletableFuture<>();
    one.runOnContext(x -> statement.run("r1").onComplete(ar -> oneOnItsOwn.complete(Vertx.currentContext() == one)));
    two.runOnContext(x -> statement.run("r2").onComplete(ar -> twoOnItsOwn.complete(Vertx.currentContext() == two)));
    on(home, () -> first.tryComplete(List.of("FIRST")));
    on(home, () -> batches.get(0).tryComplete(List.of("R1", "R2")));
    assertThat(ran).containsExactly("[first]", "[r1, r2]");
    assertThat(oneOnItsOwn.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(twoOnItsOwn.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  @DisplayName("a caller without a Vert.x context, once the statement has its event loop, is still answered")
  void callerWithoutContext() throws Exception {
    runAll(statement, "warm");
    assertThat(await(statement.run("plain"))).isEqualTo("PLAIN");
  }

  @Test
  @DisplayName("a caller on another event loop is moved onto the statement's and answered on its own")
  void otherContextCaller() throws Exception {
    runAll(statement, "warm"); // binds the statement to home
    Context other = vertx.getOrCreateContext();
    CompletableFuture<Boolean> answeredOnCaller = new CompletableFuture<>();
    other.runOnContext(x -> statement.run("b").onComplete(ar ->
        answeredOnCaller.complete(ar.succeeded() && "B".equals(ar.result()) && Vertx.currentContext() == other)));
    assertThat(answeredOnCaller.get(5, TimeUnit.SECONDS)).isTrue();
  }
}
