package io.flashsale.inventory;

import io.flashsale.support.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The per-product confirm queue")
class KeyedQueueTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
  private final long later = clock.millis() + 60_000;

  @Test
  @DisplayName("runs one task per key at a time, in arrival order; other keys do not wait; a failure does not block")
  void serialisesPerKey() {
    KeyedQueue queue = new KeyedQueue(clock, 100);
    List<String> started = new ArrayList<>();
    Promise<String> first = Promise.promise();
    Promise<String> second = Promise.promise();
    Future<String> a1 = queue.run("p1", later, () -> {
      started.add("p1-a");
      return first.future();
    });
    Future<String> a2 = queue.run("p1", later, () -> {
      started.add("p1-b");
      return second.future();
    });
    Future<String> a3 = queue.run("p1", later, () -> {
      started.add("p1-c");
      return Future.succeededFuture("c");
    });
    queue.run("p2", later, () -> {
      started.add("p2-a");
      return Future.succeededFuture("x");
    });
    assertThat(started).containsExactly("p1-a", "p2-a");
    first.fail("lock unavailable");
    assertThat(a1.failed()).isTrue();
    assertThat(started).containsExactly("p1-a", "p2-a", "p1-b");
    second.complete("b");
    assertThat(a2.result()).isEqualTo("b");
    assertThat(a3.result()).isEqualTo("c");
    assertThat(started).containsExactly("p1-a", "p2-a", "p1-b", "p1-c");
    assertThat(queue.waiting("p1")).isZero();
  }

  @Test
  @DisplayName("a task whose deadline passed while it waited is dropped before it starts, and says it never started")
  void dropsLateTasks() {
    KeyedQueue queue = new KeyedQueue(clock, 100);
    Promise<String> stalled = Promise.promise();
    List<String> started = new ArrayList<>();
    queue.run("p1", later, () -> {
      started.add("stalled");
      return stalled.future();
    });
    Future<String> late = queue.run("p1", clock.millis() + 5_000, () -> {
      started.add("late");
      return Future.succeededFuture("late");
    });
    Future<String> patient = queue.run("p1", later, () -> {
      started.add("patient");
      return Future.succeededFuture("patient");
    });
    clock.advance(Duration.ofSeconds(25)); // a row lock held 25 s
    stalled.complete("done");
    assertThat(late.failed()).isTrue();
    assertThat(late.cause()).isInstanceOf(KeyedQueue.NotStarted.class);
    assertThat(patient.result()).isEqualTo("patient");
    assertThat(started).containsExactly("stalled", "patient");
  }

  @Test
  @DisplayName("refuses at once, as not started, beyond its bound of waiting tasks per key")
  void bounded() {
    KeyedQueue queue = new KeyedQueue(clock, 3);
    Promise<String> stalled = Promise.promise();
    queue.run("p1", later, stalled::future);
    queue.run("p1", later, () -> Future.succeededFuture("b"));
    queue.run("p1", later, () -> Future.succeededFuture("c"));
    Future<String> fourth = queue.run("p1", later, () -> Future.succeededFuture("d"));
    assertThat(fourth.failed()).isTrue();
    assertThat(fourth.cause()).isInstanceOf(KeyedQueue.NotStarted.class);
    assertThat(queue.run("p2", later, () -> Future.succeededFuture("other")).result()).isEqualTo("other");
    stalled.complete("a");
    assertThat(queue.waiting("p1")).isZero();
  }
}
