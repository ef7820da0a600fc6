package io.flashsale.bench;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.sqlclient.Pool;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run stampede}: a view missing everywhere (written straight into PostgreSQL, past the outbox; two
 * freshly started app instances, so no near cache has it) is asked for by 1,000 concurrent requests spread over both
 * instances; the instances' {@code flashsale_view_rebuilds_total} counters must move by exactly one in total.
 */
public final class StampedeBench {

  private StampedeBench() {
  }

  public static Path run(Path jar, int requests, Path out) throws Exception {
    AppConfig config = AppConfig.load();
    String run = Long.toString(System.currentTimeMillis(), 36);
    String eventId = "stampede-" + run;
    String productId = "stampede-" + run;
    Vertx vertx = Vertx.vertx();
    Pool pool = PgConfig.from(config).pool(vertx, "pg-bench", 2);
    try {
      insertUnannounced(pool, eventId, productId).await(30, TimeUnit.SECONDS);
    } finally {
      pool.close();
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (AppProcess a = AppProcess.start(jar, 18183, Map.of(), tmp.resolve("flashsale-bench-stampede-a.log"));
         AppProcess b = AppProcess.start(jar, 18184, Map.of(), tmp.resolve("flashsale-bench-stampede-b.log"))) {
      long before = rebuilds(a.port()) + rebuilds(b.port());
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
          new PoolOptions().setHttp1MaxSize(requests).setMaxWaitQueueSize(-1));
      Map<Integer, Integer> codes = new TreeMap<>();
      List<Future<Integer>> all = new ArrayList<>(requests);
      long started = System.nanoTime();
      for (int i = 0; i < requests; i++) {
        int port = i % 2 == 0 ? a.port() : b.port();
        all.add(http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/api/events/" + eventId)).compose(req -> req.send().compose(res -> res.body()
            .map(x -> res.statusCode()))));
      }
      Future.join(new ArrayList<>(all)).await(2, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - started) / 1e9;
      all.forEach(f -> codes.merge(f.succeeded() ? f.result() : -1, 1, Integer::sum));
      long rebuilt = rebuilds(a.port()) + rebuilds(b.port()) - before;
      Report report = new Report("stampede", "Stampede bench: 1,000 concurrent requests for a view missing everywhere")
          .line(String.format("Two fresh app instances (:%d, :%d); event `%s` written straight into PostgreSQL (no"
              + " outbox event, so neither Redis nor a near cache has its page); %,d concurrent GETs, alternating"
              + " between the instances, answered in %.2f s.", a.port(), b.port(), eventId, requests, seconds))
          .line("")
          .line("| requests | answers | rebuilds from PostgreSQL (both instances) | goal |")
          .line("|---|---|---|---|")
          .line(String.format("| %,d | %s | **%d** | exactly 1 |", requests, codes, rebuilt))
          .line("")
          .line("How: within a process, one load per key is in flight (single-flight); across processes, the first to"
              + " miss Redis takes a short rebuild lock (`SET NX PX`), the others poll Redis for the view it writes.")
          .line("")
          .line("Reproduce: `scripts/run` (for the servers and the jar), then `bench/run stampede`.");
      Path file = report.write(out);
      System.out.printf("%,d requests → answers %s, rebuilds %d; report: %s%n", requests, codes, rebuilt, file);
      return file;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * An open event with one product, written straight into PostgreSQL past the outbox: no projector ever builds its
   * page, so it is missing from Redis and from every near cache.
   */
  public static Future<Void> insertUnannounced(Pool pool, String eventId, String productId) {
    return pool.query("insert into products (product_id, name, brand, category, price) values ('" + productId
        + "', 'Stampede Parka', 'Bench', 'Outerwear', 99000); insert into stock (product_id, quantity) values ('"
        + productId + "', 10); insert into events (event_id, title, starts_at, ends_at) values ('" + eventId
        + "', 'Stampede', now() - interval '1 hour', now() + interval '1 day'); insert into event_items (event_id,"
        + " product_id, position, sale_price, limit_per_user) values ('" + eventId + "', '" + productId
        + "', 0, 69000, 1)").execute().mapEmpty();
  }

  /** Reads {@code flashsale_view_rebuilds_total} from an instance's /metrics. */
  static long rebuilds(int port) throws Exception {
    HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("(?m)^flashsale_view_rebuilds_total(?:\\{[^}]*})? ([0-9.eE+]+)").matcher(r.body());
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
