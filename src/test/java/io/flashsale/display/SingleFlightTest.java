package io.flashsale.display;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Single-flight loads")
class SingleFlightTest {

  @Test
  @DisplayName("1,000 concurrent callers for one key share one load; the next call after it completes loads again")
  void oneLoadPerKeyInFlight() {
    SingleFlight<String> flights = new SingleFlight<>();
    AtomicInteger loads = new AtomicInteger();
    Promise<String> pending = Promise.promise();
    List<Future<String>> callers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      callers.add(flights.run("event:bf", () -> {
        loads.incrementAndGet();
        return pending.future();
      }));
    }
    assertThat(loads).hasValue(1);
    assertThat(flights.inFlight()).isEqualTo(1);
    pending.complete("page v17");
    assertThat(callers).allMatch(f -> "page v17".equals(f.result()));
    assertThat(flights.inFlight()).isZero();
    flights.run("event:bf", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("page v18");
    });
    assertThat(loads).hasValue(2);
  }

  @Test
  @DisplayName("different keys load independently, and a failed load is not cached")
  void failuresAreNotKept() {
    SingleFlight<String> flights = new SingleFlight<>();
    AtomicInteger loads = new AtomicInteger();
    Future<String> failed = flights.run("a", () -> {
      loads.incrementAndGet();
      return Future.failedFuture("redis down");
    });
    assertThat(failed.failed()).isTrue();
    flights.run("a", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("ok");
    });
    flights.run("b", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("ok");
    });
    assertThat(loads).hasValue(3);
    assertThat(flights.inFlight()).isZero();
  }

  @Test
  @DisplayName("a load that never completes (a lost answer) stops being shared after its max age: the key loads again")
  void stuckLoadDoesNotPinItsKey() {
    io.flashsale.support.MutableClock clock = new io.flashsale.support.MutableClock(java.time.Instant.parse(
        "2026-11-25T10:00:00Z"));
    SingleFlight<String> flights = new SingleFlight<>(clock, 10_000);
    AtomicInteger loads = new AtomicInteger();
    Future<String> stuck = flights.run("event:bf", () -> {
      loads.incrementAndGet();
      return Promise.<String>promise().future();
    });
    clock.advance(java.time.Duration.ofSeconds(5));
    assertThat(flights.run("event:bf", () -> Future.succeededFuture("never called"))).isSameAs(stuck);
    clock.advance(java.time.Duration.ofSeconds(6));
    Future<String> fresh = flights.run("event:bf", () -> {
      loads.incrementAndGet();
      return Future.succeededFuture("page v18");
    });
    assertThat(fresh.result()).isEqualTo("page v18");
    assertThat(loads).hasValue(2);
  }
}
