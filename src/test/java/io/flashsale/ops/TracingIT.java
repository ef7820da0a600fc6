package io.flashsale.ops;

import io.flashsale.support.Fixtures;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("Tracing, exported to a real Zipkin server (scripts/infra start tracing)")
class TracingIT {

  private static final String ZIPKIN = "http://127.0.0.1:9411";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  @DisplayName("One order is one trace: its HTTP request, the saga's steps, the payment call, PostgreSQL, and the"
      + " points and notifications consumers after Kafka")
  void oneOrderOneTrace() throws Exception {
    try (TestApp app = tracedApp()) {
      String productId = openSale(app, 10, 1);
      String orderId = Fixtures.placeOrder(app, app.shopperToken(uniqueId("u")), productId);

      AtomicReference<JsonArray> trace = new AtomicReference<>();
      try {
        TestInfra.waitUntil(Duration.ofSeconds(60), () -> {
          trace.set(traceOf(orderId));
          return trace.get() != null && has(trace.get(), "consume points", "consume notifications");
        }, "the order's trace, the consumers' spans included, in Zipkin");
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; spans so far: " + names(trace.get()), e);
      }
      JsonArray spans = trace.get();
      List<String> names = names(spans);
      assertThat(names).as("the HTTP request").anyMatch(n -> n.startsWith("post"));
      assertThat(names).as("the saga's steps").contains("saga place order", "saga authorize payment",
          "saga confirm stock", "saga capture payment");
      assertThat(names).as("PostgreSQL").anyMatch(n -> n.equals("query"));
      assertThat(spans.stream().map(JsonObject.class::cast).anyMatch(s -> "CLIENT".equals(s.getString("kind"))
          && String.valueOf(s.getJsonObject("tags", new JsonObject()).encode()).contains("/v1/authorizations")))
          .as("the payment call, a client span to the provider").isTrue();
      // A step's calls are its children, after their asynchronous hops too (a pooled connection, a continuation).
      assertThat(parentOf(spans, s -> "CLIENT".equals(s.getString("kind"))
          && s.getJsonObject("tags", new JsonObject()).encode().contains("/v1/authorizations")))
          .as("the authorisation call's parent").isEqualTo("saga authorize payment");
      assertThat(parentOf(spans, s -> "CLIENT".equals(s.getString("kind"))
          && s.getJsonObject("tags", new JsonObject()).encode().contains("/capture")))
          .as("the capture call's parent").isEqualTo("saga capture payment");
      assertThat(spans.stream().map(JsonObject.class::cast).filter(s -> "query".equals(s.getString("name")))
          .map(s -> name(spans, s.getString("parentId"))).toList())
          .as("the order's first statement runs inside its step").contains("saga place order");
      // Every span but the root has its parent in the same trace: nothing dangles.
      List<String> ids = spans.stream().map(JsonObject.class::cast).map(s -> s.getString("id")).toList();
      assertThat(spans.stream().map(JsonObject.class::cast).filter(s -> s.getString("parentId") != null)
          .allMatch(s -> ids.contains(s.getString("parentId")))).as("every parent is in the trace").isTrue();
    }
  }

  /** The name of the parent of the first span {@code which} selects. */
  private static String parentOf(JsonArray spans, java.util.function.Predicate<JsonObject> which) {
    JsonObject span = spans.stream().map(JsonObject.class::cast).filter(which).findFirst().orElseThrow();
    return name(spans, span.getString("parentId"));
  }

  /** An app that traces every request to the real Zipkin (which must answer first). */
  private TestApp tracedApp() throws Exception {
    assertThat(zipkinUp()).as("Zipkin answers on :9411 (scripts/test starts it: scripts/infra start tracing)").isTrue();
    return TestApp.start(TestInfra.config().with(new JsonObject().put("tracing.enabled", true)
        .put("tracing.sampleRatio", "1.0").put("tracing.serviceName", "flashsale-test")));
  }

  private static String name(JsonArray spans, String id) {
    return spans.stream().map(JsonObject.class::cast).filter(s -> s.getString("id").equals(id))
        .map(s -> s.getString("name")).findFirst().orElse(null);
  }

  @Test
  @DisplayName("Orders of one product confirmed side by side (one group-commit batch when they meet) each keep their"
      + " own trace down to the consumers: no event lands in its batch neighbour's trace")
  void ordersOfOneProductKeepTheirOwnTraces() throws Exception {
    try (TestApp app = tracedApp()) {
      String productId = openSale(app, 20, 1);
      List<String[]> buyers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String token = app.shopperToken(uniqueId("u"));
        buyers.add(new String[] {token, Fixtures.checkout(app, token, productId)});
      }
      // All six orders at once: their confirms of the one product meet in the confirm queue.
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> placed = new ArrayList<>();
      for (String[] b : buyers) {
        placed.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> app.send(
            Fixtures.orderRequest(app, b[0], uniqueId("k"), b[1], "tok_ok"))));
      }
      List<String> orderIds = new ArrayList<>();
      for (var f : placed) {
        HttpResponse<String> r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        orderIds.add(new JsonObject(r.body()).getString("orderId"));
      }
      for (String orderId : orderIds) {
        AtomicReference<JsonArray> trace = new AtomicReference<>();
        TestInfra.waitUntil(Duration.ofSeconds(60), () -> {
          trace.set(traceOf(orderId));
          return trace.get() != null && has(trace.get(), "consume points", "consume notifications");
        }, "order " + orderId + "'s own trace, its consumers' spans included");
        assertThat(names(trace.get()).stream().filter("consume points"::equals).count())
            .as("order " + orderId + "'s trace holds its own points span, and no neighbour's").isEqualTo(1);
      }
    }
  }

  private boolean zipkinUp() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(ZIPKIN + "/health")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** The trace tagged with this order id (Zipkin's annotationQuery), or null while Zipkin has none. */
  private JsonArray traceOf(String orderId) {
    try {
      String q = URLEncoder.encode("order.id=" + orderId, StandardCharsets.UTF_8);
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ZIPKIN
          + "/api/v2/traces?serviceName=flashsale-test&lookback=600000&limit=10&annotationQuery=" + q))
          .timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonArray traces = new JsonArray(r.body());
      return traces.isEmpty() ? null : traces.getJsonArray(0);
    } catch (Exception e) {
      return null;
    }
  }

  private static boolean has(JsonArray spans, String... wanted) {
    List<String> names = names(spans);
    for (String w : wanted) {
      if (!names.contains(w)) {
        return false;
      }
    }
    return true;
  }

  private static List<String> names(JsonArray spans) {
    List<String> out = new ArrayList<>();
    if (spans != null) {
      spans.forEach(s -> out.add(((JsonObject) s).getString("name", "")));
    }
    return out;
  }
}
