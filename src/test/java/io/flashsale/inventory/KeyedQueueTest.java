package io.flashsale.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The per-product confirm queue")
class KeyedQueueTest {

  @Test
  @DisplayName("runs one task per key at a time, in arrival order; other keys do not wait; a failure does not block")
  void serialisesPerKey() {
    KeyedQueue queue = new KeyedQueue();
    List<String> started = new ArrayList<>();
    Promise<String> first = Promise.promise();
    Promise<String> second = Promise.promise();
    Future<String> a1 = queue.run("p1", () -> {
      started.add("p1-a");
      return first.future();
    });
    Future<String> a2 = queue.run("p1", () -> {
      started.add("p1-b");
      return second.future();
    });
    Future<String> a3 = queue.run("p1", () -> {
      started.add("p1-c");
      return Future.succeededFuture("c");
    });
    queue.run("p2", () -> {
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
  }
}
