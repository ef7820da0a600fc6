package io.flashsale.dashboard;

import io.flashsale.admission.QueueRegistry;
import io.flashsale.admission.QueueRoutes;
import io.flashsale.fanout.FanoutEffects;
import io.flashsale.http.RequestMeter;
import io.flashsale.infra.LocalFigures;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.TaggedBatch;
import io.flashsale.inventory.StockDriftVerticle;
import io.flashsale.payment.PaymentClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /admin/stats} (live figures) and {@code GET /admin/} (the dashboard page that polls them). */
public final class StatsRoutes {

  private static final int MINUTES = 15;

  private final Vertx vertx;
  private final Pool pool;
  private final Redis redis;
  private final RedisKeys keys;
  private final RequestMeter requests;
  private final QueueRegistry queues;
  private final Clock clock;
  private final Buffer page;
  private final Buffer script;
  private final io.flashsale.order.OrderStore orders;

  public StatsRoutes(Vertx vertx, Pool pool, Redis redis, RedisKeys keys, RequestMeter requests,
                     QueueRegistry queues, Clock clock) {
    this.clock = clock;
    this.queues = queues;
    this.vertx = vertx;
    this.pool = pool;
    this.redis = redis;
    this.keys = keys;
    this.requests = requests;
    this.page = resource("dashboard/index.html");
    this.script = resource("dashboard/dashboard.js");
    this.orders = new io.flashsale.order.OrderStore(pool, null); // read-only here: no outbox rows are written

  }

  /** The dashboard page and its address without the slash: no data in them, so they open before any sign-in. */
  public void mountPage(Router router) {
    // (A regex: a plain "/admin" route would also match "/admin/" and redirect the page to itself.)
    router.routeWithRegex(io.vertx.core.http.HttpMethod.GET, "/admin").handler(ctx -> ctx.response()
        .setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/admin/").end());
    router.get("/admin/").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader("cache-control", "no-store").putHeader("content-security-policy", CSP)
        .putHeader("x-frame-options", "DENY").end(page));
    router.get("/admin/dashboard.js").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/javascript; charset=utf-8").putHeader("cache-control", "no-cache")
        .putHeader("x-content-type-options", "nosniff").end(script));
  }

  /** The live figures, behind the admin guard. */
  public void mount(Router router) {
    router.get("/admin/stats").handler(ctx -> stats().onSuccess(json -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader("cache-control", "no-store")
        .end(json.toBuffer())).onFailure(ctx::fail));
  }

  /** The page's own script file and style only, fetches back to this origin: a name smuggling markup runs nothing. */
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline';"
      + " connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  public Future<JsonObject> stats() {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    List<String> minutes = new ArrayList<>();
    // A minute's figures are the sum over the buckets' shards (one pipeline per shard).
    TaggedBatch batch = new TaggedBatch(keys);
    for (int i = MINUTES - 1; i >= 0; i--) {
      String m = FanoutEffects.minute(now.minus(i, ChronoUnit.MINUTES));
      minutes.add(now.minus(i, ChronoUnit.MINUTES).toString());
      for (int shard = 0; shard < keys.statsShards(); shard++) {
        String orders = keys.ordersPerMinute(shard, "all", m);
        String won = keys.salesPerMinute(shard, "all", m);
        batch.add(orders, Request.cmd(Command.GET).arg(orders)).add(won, Request.cmd(Command.GET).arg(won));
      }
    }
    Future<List<Response>> buckets = batch.send(redis);
    Future<List<Row>> products = pool.query("""
        select i.product_id, p.name, s.quantity from event_items i
        join events e on e.event_id = i.event_id and e.starts_at <= now() and e.ends_at > now()
        join products p on p.product_id = i.product_id join stock s on s.product_id = i.product_id
        order by s.quantity, i.product_id limit 30""").execute().map(rs -> {
          List<Row> out = new ArrayList<>();
          rs.forEach(out::add);
          return out;
        });
    Future<long[]> unresolved = orders.unresolvedPayments();
    return Future.all(buckets, products, unresolved).compose(x -> {
      List<Row> rows = products.result();
      if (rows.isEmpty()) {
        return Future.succeededFuture(List.<Response>of());
      }
      // One read per product: each product's stock is its own key (its own slot on a cluster).
      List<Future<Response>> each = new ArrayList<>();
      rows.forEach(r -> each.add(redis.send(Request.cmd(Command.HMGET).arg(keys.stock(r.getString(0))).arg("a")
          .arg("h"))));
      return Future.all(new ArrayList<>(each)).map(y -> each.stream().map(Future::result).toList());
    }).map(stock -> {
      JsonArray series = new JsonArray();
      long orders = 0;
      long won = 0;
      List<Response> b = buckets.result();
      for (int i = 0; i < minutes.size(); i++) {
        long o = 0;
        long k = 0;
        for (int shard = 0; shard < keys.statsShards(); shard++) {
          int at = 2 * (i * keys.statsShards() + shard);
          o += number(b.get(at));
          k += number(b.get(at + 1));
        }
        orders += o;
        won += k;
        series.add(new JsonObject().put("minute", minutes.get(i)).put("orders", o).put("krw", k));
      }
      JsonArray stockRows = new JsonArray();
      List<Row> rows = products.result();
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        stockRows.add(new JsonObject().put("productId", r.getString(0)).put("name", r.getString(1))
            .put("pg", r.getLong(2))
            .put("redisAvailable", stock.isEmpty() ? null : nullable(stock.get(i).get(0)))
            .put("redisHeld", stock.isEmpty() ? null : nullable(stock.get(i).get(1))));
      }
      var figures = vertx.sharedData().getLocalMap(LocalFigures.MAP);
      JsonArray dlqs = rows(figures.get(LocalFigures.DLQ_TOPICS), "topic", "depth");
      long dlq = dlqs.stream().mapToLong(d -> ((JsonObject) d).getLong("depth")).sum();
      return new JsonObject().put("at", clock.instant().toString()).put("window", series)
          .put("ordersInWindow", orders).put("krwInWindow", won)
          .put("ordersLastMinute", series.getJsonObject(series.size() - 1).getLong("orders"))
          .put("krwLastMinute", series.getJsonObject(series.size() - 1).getLong("krw"))
          .put("requestsPerSecond", Math.round(requests.perSecond())).put("requestsTotal", requests.total())
          .put("stock", stockRows).put("driftUnits", drift())
          .put("dlqDepth", dlq)
          .put("unresolvedPayments", unresolved.result()[0])
          .put("oldestUnresolvedPaymentSeconds", unresolved.result()[1])
          .put("queues", queueFigures())
          .put("kafka", new JsonObject()
              .put("consumerLag", rows(figures.get(LocalFigures.CONSUMER_LAG), "group", "lag"))
              .put("dlq", dlqs))
          .put("outbox", figures.get(LocalFigures.OUTBOX) instanceof JsonObject o ? o
              : new JsonObject().put("backlog", null).put("oldestSeconds", null))
          .put("paymentBreaker", PaymentClient.breakerState().name());
    });
  }

  /** Every open or upcoming waiting room's figures, as the admission verticle last measured them (each second). */
  private JsonArray queueFigures() {
    JsonArray out = new JsonArray();
    queues.rooms().stream().filter(QueueRegistry.Room::enabled)
        .sorted(java.util.Comparator.comparing(QueueRegistry.Room::eventId)).forEach(room -> {
          QueueRegistry.Figures f = queues.figures(room.eventId());
          out.add(QueueRoutes.figuresJson(room, f == null ? new QueueRegistry.Figures(0, 0, 0, 0) : f));
        });
    return out;
  }

  /** {@code {"a": 1}} → {@code [{"<key>": "a", "<value>": 1}]}; empty before the probe's first figure. */
  private static JsonArray rows(Object measured, String key, String value) {
    JsonArray out = new JsonArray();
    if (measured instanceof JsonObject m) {
      m.forEach(e -> out.add(new JsonObject().put(key, e.getKey()).put(value, e.getValue())));
    }
    return out;
  }

  /** The drift gauge {@link StockDriftVerticle} publishes (0 before its first measure, or without metrics). */
  private static long drift() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    Gauge gauge = registry == null ? null : registry.find(StockDriftVerticle.GAUGE).gauge();
    return gauge == null ? 0 : Math.round(gauge.value());
  }

  private static long number(Response r) {
    return r == null ? 0 : r.toLong();
  }

  private static Long nullable(Response r) {
    return r == null ? null : r.toLong();
  }

  private static Buffer resource(String name) {
    try (InputStream in = StatsRoutes.class.getClassLoader().getResourceAsStream(name)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException | NullPointerException e) {
      throw new UncheckedIOException(new IOException("missing " + name, e));
    }
  }
}
