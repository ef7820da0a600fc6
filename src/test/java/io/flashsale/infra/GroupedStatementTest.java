package io.flashsale.infra;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A statement group-committed for the callers that run it at the same moment")
class GroupedStatementTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context home = vertx.getOrCreateContext();

  /** What ran: "one:x" for a single statement, "many:[x, y]" for a batch. Batches finish when the test says so. */
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private final List<Promise<List<String>>> batches = new CopyOnWriteArrayList<>();

  private final GroupedStatement<String, String> statement = new GroupedStatement<>("tests", 3, 10, 60_000, 60_000,
      inputs -> {
        ran.add("many:" + inputs);
        Promise<List<String>> p = Promise.promise();
        batches.add(p);
        return p.future();
      },
      input -> {
        ran.add("one:" + input);
        return input.startsWith("bad") ? Future.failedFuture(new IllegalArgumentException(input))
            : Future.succeededFuture(input.toUpperCase());
      });

  @AfterEach
  void close() {
    vertx.close();
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
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  @DisplayName("an idle statement runs its caller at once, alone")
  void idleRunsAlone() throws Exception {
    Future<String> a = on(home, () -> statement.run("a"));
    assertThat(await(a)).isEqualTo("A");
    assertThat(ran).containsExactly("one:a");
  }

  @Test
  @DisplayName("callers arriving while a batch runs share the next batch, and each gets its own answer")
  void waitingCallersShareABatch() throws Exception {
    Promise<String> hold = Promise.promise();
    GroupedStatement<String, String> held = heldFirst(hold);
    List<Future<String>> first = on(home, () -> List.of(held.run("first"), held.run("y"), held.run("z")));
    assertThat(ran).isEmpty(); // y and z wait behind the first, which runs alone
    on(home, () -> hold.tryComplete("FIRST"));
    assertThat(await(first.get(0))).isEqualTo("FIRST");
    assertThat(ran).containsExactly("many:[y, z]");
    on(home, () -> batches.get(0).tryComplete(List.of("Y!", "Z!")));
    assertThat(await(first.get(1))).isEqualTo("Y!");
    assertThat(await(first.get(2))).isEqualTo("Z!");
  }

  @Test
  @DisplayName("a batch PostgreSQL refused runs again member by member: only the bad one fails")
  void refusedBatchSplits() throws Exception {
    Promise<String> hold = Promise.promise();
    GroupedStatement<String, String> held = heldFirst(hold);
    List<Future<String>> calls = on(home, () -> List.of(held.run("first"), held.run("good"), held.run("bad1")));
    on(home, () -> hold.tryComplete("FIRST"));
    on(home, () -> batches.get(0).tryFail(new PgException("duplicate key", "ERROR", "23505", "detail")));
    assertThat(await(calls.get(1))).isEqualTo("GOOD");
    assertThat(failureOf(calls.get(2))).isInstanceOf(IllegalArgumentException.class);
    assertThat(ran).containsExactly("many:[good, bad1]", "one:good", "one:bad1");
  }

  @Test
  @DisplayName("a batch whose outcome is unknown (no answer from PostgreSQL) fails every member with that cause, never re-run")
  void unknownOutcomeReachesEveryMember() throws Exception {
    Promise<String> hold = Promise.promise();
    GroupedStatement<String, String> held = heldFirst(hold);
    List<Future<String>> calls = on(home, () -> List.of(held.run("first"), held.run("p"), held.run("q")));
    on(home, () -> hold.tryComplete("FIRST"));
    IllegalStateException lost = new IllegalStateException("connection closed");
    on(home, () -> batches.get(0).tryFail(lost));
    assertThat(failureOf(calls.get(1))).isSameAs(lost);
    assertThat(failureOf(calls.get(2))).isSameAs(lost);
    assertThat(ran).containsExactly("many:[p, q]");
  }

  @Test
  @DisplayName("more callers than may wait are refused at once with NotStarted, and nothing of theirs runs")
  void boundedQueue() throws Exception {
    Promise<String> hold = Promise.promise();
    GroupedStatement<String, String> held = heldFirst(hold);
    List<Future<String>> calls = on(home, () -> List.of(held.run("first"), held.run("w1"), held.run("w2"),
        held.run("w3"), held.run("w4")));
    assertThat(failureOf(calls.get(4))).isInstanceOf(GroupCommit.NotStarted.class);
    on(home, () -> hold.tryComplete("FIRST"));
    assertThat(ran).containsExactly("many:[w1, w2, w3]");
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
    Promise<String> hold = Promise.promise();
    GroupedStatement<String, String> held = heldFirst(hold);
    io.vertx.core.internal.ContextInternal base = (io.vertx.core.internal.ContextInternal) home;
    Context one = base.duplicate();
    Context two = base.duplicate();
    on(home, () -> held.run("first"));
    CompletableFuture<Boolean> oneOnItsOwn = new CompletableFuture<>();
    CompletableFuture<Boolean> twoOnItsOwn = new CompletableFuture<>();
    one.runOnContext(x -> held.run("r1").onComplete(ar -> oneOnItsOwn.complete(Vertx.currentContext() == one)));
    two.runOnContext(x -> held.run("r2").onComplete(ar -> twoOnItsOwn.complete(Vertx.currentContext() == two)));
    on(home, () -> hold.tryComplete("FIRST"));
    on(home, () -> batches.get(0).tryComplete(List.of("R1", "R2")));
    assertThat(ran).containsExactly("many:[r1, r2]");
    assertThat(oneOnItsOwn.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(twoOnItsOwn.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  @DisplayName("a caller without a Vert.x context, once the statement has its event loop, is still answered")
  void callerWithoutContext() throws Exception {
    on(home, () -> statement.run("warm"));
    assertThat(await(statement.run("plain"))).isEqualTo("PLAIN");
  }

  @Test
  @DisplayName("a batch PostgreSQL never answers fails as unknown at its timeout and frees the statement for the next")
  void stalledBatchFreesTheStatement() throws Exception {
    Promise<String> never = Promise.promise();
    GroupedStatement<String, String> stalling = new GroupedStatement<>("tests", 3, 10, 60_000, 100,
        inputs -> Future.succeededFuture(inputs.stream().map(String::toUpperCase).toList()),
        input -> input.equals("stuck") ? never.future() : Future.succeededFuture(input.toUpperCase()));
    List<Future<String>> calls = on(home, () -> List.of(stalling.run("stuck"), stalling.run("next")));
    assertThat(failureOf(calls.get(0))).isInstanceOf(java.util.concurrent.TimeoutException.class)
        .hasMessageContaining("may still commit");
    assertThat(await(calls.get(1))).isEqualTo("NEXT");
  }

  @Test
  @DisplayName("a caller on another event loop is moved onto the statement's and answered on its own")
  void otherContextCaller() throws Exception {
    on(home, () -> statement.run("warm")); // binds the statement to home
    Context other = vertx.getOrCreateContext();
    CompletableFuture<Boolean> answeredOnCaller = new CompletableFuture<>();
    other.runOnContext(x -> statement.run("b").onComplete(ar ->
        answeredOnCaller.complete(ar.succeeded() && "B".equals(ar.result()) && Vertx.currentContext() == other)));
    assertThat(answeredOnCaller.get(5, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * A statement whose run of "first" stays open until {@code hold} completes, so that the next callers wait; batches
   * go to {@link #batches}.
   */
  private GroupedStatement<String, String> heldFirst(Promise<String> hold) {
    return new GroupedStatement<>("tests", 3, 10, 60_000, 60_000,
        inputs -> {
          ran.add("many:" + inputs);
          Promise<List<String>> p = Promise.promise();
          batches.add(p);
          return p.future();
        },
        input -> {
          if (input.equals("first")) {
            return hold.future();
          }
          ran.add("one:" + input);
          return input.startsWith("bad") ? Future.failedFuture(new IllegalArgumentException(input))
              : Future.succeededFuture(input.toUpperCase());
        });
  }
}
