package io.flashsale.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A checkout storm against a running app: N buyers, each one checkout of one unit of one of a few hot products, at a
 * bounded concurrency. Reports throughput, latency percentiles (HdrHistogram) and every status code seen, and
 * checks that exactly the stock was held.
 */
public final class CheckoutStorm {

  /** What the storm saw. */
  public record Result(int buyers, int products, long unitsPerProduct, double seconds, Histogram latencyMicros,
                       Map<String, Integer> codes, Map<String, Histogram> latencyByCode, Histogram orderMicros,
                       Map<String, Integer> orderCodes) {

    public long held() {
      return codes.getOrDefault("201", 0);
    }

    public String summary() {
      return String.format("%,d checkouts in %.2f s = %,.0f checkouts/s; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms,"
              + " max %.1f ms; answers %s; held %d of %d units", buyers, seconds, buyers / seconds,
          latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(90) / 1000.0,
          latencyMicros.getValueAtPercentile(99) / 1000.0, latencyMicros.getMaxValue() / 1000.0, codes, held(),
          products * unitsPerProduct) + byCode() + orders();
    }

    private String orders() {
      if (orderMicros.getTotalCount() == 0) {
        return "";
      }
      return String.format("%n  orders: %,d placed = %,.0f orders/s over the run; order call p50 %.1f ms, p99 %.1f ms,"
              + " max %.1f ms; answers %s", orderCodes.getOrDefault("201", 0), orderCodes.getOrDefault("201", 0) / seconds,
          orderMicros.getValueAtPercentile(50) / 1000.0, orderMicros.getValueAtPercentile(99) / 1000.0,
          orderMicros.getMaxValue() / 1000.0, orderCodes);
    }

    private String byCode() {
      StringBuilder sb = new StringBuilder();
      latencyByCode.forEach((code, h) -> sb.append(String.format("%n  %-16s p50 %.1f ms, p99 %.1f ms, max %.1f ms",
          code, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0)));
      return sb.toString();
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final URI base;

  public CheckoutStorm(Vertx vertx, URI base, int connections) {
    this.vertx = vertx;
    this.base = base;
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
  }

  /** Creates {@code products} products with {@code units} each in an event open now (limit 1 per buyer). */
  public Future<List<String>> setUp(String adminToken, String runId, int products, long units) {
    List<String> ids = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < products; i++) {
      String id = "storm-" + runId + "-" + i;
      ids.add(id);
      chain = chain.compose(x -> admin(HttpMethod.PUT, "/admin/products/" + id, adminToken, new JsonObject()
          .put("name", "Storm Padded Jacket " + id).put("brand", "Bench").put("category", "Outerwear")
          .put("price", 100_000)))
          .compose(x -> admin(HttpMethod.PUT, "/admin/products/" + id + "/stock", adminToken,
              new JsonObject().put("quantity", units)));
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return chain.compose(x -> {
      JsonArray items = new JsonArray();
      ids.forEach(id -> items.add(new JsonObject().put("productId", id).put("salePrice", 70_000).put("limitPerUser", 1)));
      return admin(HttpMethod.PUT, "/admin/events/storm-" + runId, adminToken, new JsonObject()
          .put("title", "Storm " + runId).put("startsAt", now.minus(1, ChronoUnit.MINUTES).toString())
          .put("endsAt", now.plus(1, ChronoUnit.HOURS).toString()).put("items", items));
    }).compose(x -> waitForViews(ids, 200)).map(ids);
  }

  /** The product views must show the sale before buyers come, or they would be priced at list price. */
  private Future<Void> waitForViews(List<String> ids, int attemptsLeft) {
    List<Future<Boolean>> checks = new ArrayList<>();
    for (String id : ids) {
      checks.add(http.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/products/" + id))
          .compose(req -> req.send().compose(res -> res.body()))
          .map(body -> new JsonObject(body).getJsonObject("event") != null).otherwise(false));
    }
    return Future.join(new ArrayList<>(checks)).transform(x -> {
      if (checks.stream().allMatch(f -> Boolean.TRUE.equals(f.result()))) {
        return Future.succeededFuture();
      }
      if (attemptsLeft == 0) {
        return Future.failedFuture("the sale did not reach the product views in time");
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(50, id -> waitForViews(ids, attemptsLeft - 1).onComplete(later));
      return later.future();
    });
  }

  /** Runs the storm: {@code token.apply(i)} is buyer i's bearer token. */
  public Future<Result> run(List<String> productIds, long unitsPerProduct, int buyers, int concurrency,
                            IntFunction<String> token) {
    return run(productIds, unitsPerProduct, buyers, concurrency, token, false);
  }

  /** With {@code placeOrders}, every buyer who got a hold then places the order ({@code tok_ok}). */
  public Future<Result> run(List<String> productIds, long unitsPerProduct, int buyers, int concurrency,
                            IntFunction<String> token, boolean placeOrders) {
    Histogram orderLatency = new Histogram(60_000_000L, 3);
    Map<String, Integer> orderCodes = new TreeMap<>();
    Histogram latency = new Histogram(60_000_000L, 3);
    Map<String, Integer> codes = new TreeMap<>();
    Map<String, Histogram> byCode = new TreeMap<>();
    AtomicInteger next = new AtomicInteger();
    Promise<Result> done = Promise.promise();
    AtomicInteger finished = new AtomicInteger();
    long started = System.nanoTime();
    Runnable[] worker = new Runnable[1];
    worker[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= buyers) {
        return;
      }
      String productId = productIds.get(i % productIds.size());
      long t0 = System.nanoTime();
      call(HttpMethod.POST, "/api/checkouts", token.apply(i), new JsonObject().put("items",
          new JsonArray().add(new JsonObject().put("productId", productId).put("quantity", 1))))
          .compose(code -> {
            if (!placeOrders || !code.startsWith("201|")) {
              return Future.succeededFuture(code);
            }
            long o0 = System.nanoTime();
            String checkoutId = new JsonObject(code.substring(4)).getString("checkoutId");
            return call(HttpMethod.POST, "/api/orders", token.apply(i), new JsonObject().put("checkoutId", checkoutId)
                .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")), "k-" + checkoutId)
                .transform(or -> {
                  synchronized (orderCodes) {
                    orderLatency.recordValue(Math.max(1, (System.nanoTime() - o0) / 1000));
                    orderCodes.merge(or.succeeded() ? strip(or.result()) : "IO " + or.cause().getClass().getSimpleName(),
                        1, Integer::sum);
                  }
                  return Future.succeededFuture(code);
                });
          })
          .map(CheckoutStorm::strip)
          .onComplete(ar -> {
            long micros = Math.max(1, (System.nanoTime() - t0) / 1000);
            latency.recordValue(micros);
            String code = ar.succeeded() ? ar.result() : "IO " + ar.cause().getClass().getSimpleName();
            synchronized (codes) {
              codes.merge(code, 1, Integer::sum);
              byCode.computeIfAbsent(code, k -> new Histogram(60_000_000L, 3)).recordValue(micros);
            }
            if (finished.incrementAndGet() == buyers) {
              done.complete(new Result(buyers, productIds.size(), unitsPerProduct,
                  (System.nanoTime() - started) / 1e9, latency, codes, byCode, orderLatency, orderCodes));
            } else {
              worker[0].run();
            }
          });
    };
    for (int c = 0; c < Math.min(concurrency, buyers); c++) {
      worker[0].run();
    }
    return done.future();
  }

  private Future<Void> admin(HttpMethod method, String path, String token, JsonObject body) {
    return call(method, path, token, body).compose(code -> code.startsWith("2") ? Future.<Void>succeededFuture()
        : Future.failedFuture("setup call " + method + " " + path + " answered " + code));
  }

  private static String strip(String code) {
    int bar = code.indexOf('|');
    return bar < 0 ? code : code.substring(0, bar);
  }

  private Future<String> call(HttpMethod method, String path, String token, JsonObject body) {
    return call(method, path, token, body, null);
  }

  /** Answers "201|body", or "409 SOLD_OUT" and the like. */
  private Future<String> call(HttpMethod method, String path, String token, JsonObject body, String idempotencyKey) {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(path)
        .putHeader("authorization", "Bearer " + token).putHeader("content-type", "application/json");
    if (idempotencyKey != null) {
      options.putHeader("idempotency-key", idempotencyKey);
    }
    return http.request(options)
        .compose(req -> req.send(Buffer.buffer(body.encode())).compose(res -> res.body()
            .map(b -> answer(res.statusCode(), b))));
  }

  /** How the benches record an answer: {@code "201|<body>"} for a success, {@code "409 SOLD_OUT"} for an API error. */
  static String answer(int status, Buffer body) {
    if (status < 300) {
      return status + "|" + body;
    }
    String code;
    try {
      code = new JsonObject(body).getJsonObject("error").getString("code");
    } catch (RuntimeException e) {
      code = "?";
    }
    return status + " " + code;
  }

  public Future<Void> close() {
    return http.close();
  }
}
