package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench/run freshness}: while a load hammers the event page, an admin changes a product's price again and
 * again; a watcher polls the page and records how long each change took to become visible (write-to-visible).
 */
public final class FreshnessBench {

  private FreshnessBench() {
  }

  public static Path run(URI app, String eventId, int writes, int loadConnections, Path out) throws Exception {
    AppConfig config = AppConfig.load();
    Vertx vertx = Vertx.vertx();
    try {
      String admin = new Auth(vertx, config.string("auth.jwtSecret")).issue("bench-admin", true, Duration.ofHours(1));
      HttpClient load = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(app.getHost())
          .setDefaultPort(app.getPort()), new PoolOptions().setHttp1MaxSize(loadConnections));
      HttpClient ops = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(app.getHost())
          .setDefaultPort(app.getPort()), new PoolOptions().setHttp1MaxSize(2));
      JsonObject page = get(ops, "/api/events/" + eventId).await(10, TimeUnit.SECONDS);
      JsonObject product = page.getJsonArray("products").getJsonObject(0);
      String productId = product.getString("productId");
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong served = new AtomicLong();
      for (int c = 0; c < loadConnections; c++) {
        hammer(load, "/api/events/" + eventId, running, served);
      }
      Histogram visible = new Histogram(60_000_000L, 3);
      long loadStarted = System.nanoTime();
      long basePrice = product.getLong("price");
      for (int i = 1; i <= writes; i++) {
        long price = basePrice + (i % 2 == 0 ? 0 : 100) + 1000L * (i % 7);
        if (price == currentPrice(ops, eventId, productId)) {
          price += 10;
        }
        long t0 = System.nanoTime();
        put(ops, "/admin/products/" + productId, admin, new JsonObject().put("name", product.getString("name"))
            .put("brand", product.getString("brand")).put("category", product.getString("category"))
            .put("price", price).put("imageUrl", product.getString("imageUrl"))).await(10, TimeUnit.SECONDS);
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        while (currentPrice(ops, eventId, productId) != price) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("a price change was not visible within 10 s");
          }
          Thread.sleep(2);
        }
        visible.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
      }
      double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
      running.set(false);
      double p50 = visible.getValueAtPercentile(50) / 1000.0;
      double p99 = visible.getValueAtPercentile(99) / 1000.0;
      Report report = new Report("freshness", "Freshness bench: admin write to visible on the event page, under load")
          .line(String.format("%d price changes of `%s` (admin PUT, measured from sending it to the first GET that"
              + " shows the new price, polled every 2 ms) while %d connections read `/api/events/%s` in a loop"
              + " (%,.0f req/s served during the run).", writes, productId, loadConnections, eventId,
              served.get() / loadSeconds))
          .line("")
          .line("| writes | p50 | p90 | p99 | max | goal |")
          .line("|---|---|---|---|---|---|")
          .line(String.format("| %d | %.0f ms | %.0f ms | **%.0f ms** | %.0f ms | p99 ≤ 1,000 ms |", writes, p50,
              visible.getValueAtPercentile(90) / 1000.0, p99, visible.getMaxValue() / 1000.0))
          .line("")
          .line("Path of a change: PostgreSQL commit → NOTIFY wakes the outbox relay → Kafka → projector rebuilds the"
              + " page from PostgreSQL → Redis compare-and-set + PUBLISH → every near cache refreshes.")
          .line("")
          .line("Reproduce: `scripts/run`, then `bench/run freshness`.")
          .bar("write-to-visible p50", p50, "ms")
          .bar("write-to-visible p99", p99, "ms");
      Path file = report.write(out);
      System.out.printf("write-to-visible p50 %.0f ms, p99 %.0f ms under %,.0f req/s; report: %s%n", p50, p99,
          served.get() / loadSeconds, file);
      return file;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void hammer(HttpClient http, String path, AtomicBoolean running, AtomicLong served) {
    if (!running.get()) {
      return;
    }
    http.request(HttpMethod.GET, path).compose(req -> req.send().compose(res -> res.end()))
        .onComplete(ar -> {
          served.incrementAndGet();
          hammer(http, path, running, served);
        });
  }

  private static long currentPrice(HttpClient ops, String eventId, String productId) throws Exception {
    JsonArray products = get(ops, "/api/events/" + eventId).await(10, TimeUnit.SECONDS).getJsonArray("products");
    for (int i = 0; i < products.size(); i++) {
      if (products.getJsonObject(i).getString("productId").equals(productId)) {
        return products.getJsonObject(i).getLong("price");
      }
    }
    return -1;
  }

  private static Future<JsonObject> get(HttpClient http, String path) {
    return http.request(HttpMethod.GET, path).compose(req -> req.send().compose(res -> res.body()))
        .map(b -> new JsonObject(b));
  }

  private static Future<Void> put(HttpClient http, String path, String token, JsonObject body) {
    Promise<Void> done = Promise.promise();
    http.request(new RequestOptions().setMethod(HttpMethod.PUT).setURI(path).putHeader("authorization", "Bearer "
            + token).putHeader("content-type", "application/json"))
        .compose(req -> req.send(body.encode())).compose(res -> res.statusCode() == 200 ? res.end()
            : Future.failedFuture("admin PUT answered " + res.statusCode()))
        .onComplete(done);
    return done.future();
  }
}
