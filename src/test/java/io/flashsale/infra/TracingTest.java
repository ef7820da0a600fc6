package io.flashsale.infra;

import io.opentelemetry.api.trace.Span;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A traced step (Tracing.step)")
class TracingTest {

  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    Tracing.stop();
  }

  /** Tracing on (spans go nowhere: the endpoint answers nothing, the bounded exporter drops them). */
  private void traced() {
    var otel = Tracing.start(new Tracing.Settings(true, "zipkin", "http://127.0.0.1:9/api/v2/spans", 1.0, "test"));
    vertx = Vertx.builder().withTracer(new OpenTelemetryTracingFactory(otel)).build();
  }

  @Test
  @DisplayName("keeps its span current after its own asynchronous hops, and its caller continues outside it")
  void spanFollowsTheStep() throws Exception {
    traced();
    CompletableFuture<String[]> seen = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      String outside = Span.current().getSpanContext().getSpanId();
      Tracing.step("step", () -> {
        String inStep = Span.current().getSpanContext().getSpanId();
        Promise<String> later = Promise.promise();
        // An asynchronous hop inside the step: a timer, as a pooled connection's answer would be.
        vertx.setTimer(5, id -> later.complete(Span.current().getSpanContext().getSpanId()));
        return later.future().map(afterHop -> new String[] {inStep, afterHop});
      }).onSuccess(ids -> seen.complete(new String[] {outside, ids[0], ids[1],
          Span.current().getSpanContext().getSpanId()})).onFailure(seen::completeExceptionally);
    });
    String[] ids = seen.get(10, TimeUnit.SECONDS);
    assertThat(ids[1]).as("the step's span is current in its body").isNotEqualTo(ids[0]);
    assertThat(ids[2]).as("and still after the hop").isEqualTo(ids[1]);
    assertThat(ids[3]).as("the caller continues with its own context").isEqualTo(ids[0]);
  }

  @Test
  @DisplayName("throws to its caller what its body throws, as it does with tracing off")
  void throwsLikeUntraced() throws Exception {
    for (boolean on : new boolean[] {false, true}) {
      if (on) {
        traced();
      } else {
        vertx = Vertx.vertx();
      }
      CompletableFuture<Throwable> caught = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        try {
          Tracing.<Void>step("step", () -> {
            throw new IllegalStateException("boom");
          });
          caught.complete(null);
        } catch (IllegalStateException e) {
          caught.complete(e);
        }
      });
      assertThat(caught.get(10, TimeUnit.SECONDS)).as("tracing " + (on ? "on" : "off")).hasMessage("boom");
      vertx.close().await(10, TimeUnit.SECONDS);
      vertx = null;
    }
  }
}
