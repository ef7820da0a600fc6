package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run orders}: confirmed orders per second, sustained, on this box with everything local. Each buyer is
 * distinct and makes the two calls a shopper makes — {@code POST /api/checkouts} (one unit) then {@code POST
 * /api/orders} ({@code tok_ok}) — with {@code concurrency} buyers in flight for {@code seconds}, on fresh products
 * after a warm-up: on 100 products, and on one hot product whose stock covers every buyer. Beside it, in the same
 * run and with the same load generator, the naive whole purchase (one PostgreSQL transaction per order). For the
 * flashsale runs it counts what one order costs: CPU milliseconds per process (from /proc), PostgreSQL transactions
 * and rows, Redis commands. The last line printed is the {@code RESULT} line.
 * A bench tool, long by nature: load, the naive baseline, the CPU table and the report in one readable run.
 */
public final class OrderBench {

  /** What one timed run saw. */
  record Run(String label, double seconds, int confirmed, Histogram checkoutMicros, Histogram orderMicros,
             Map<String, Integer> answers, Map<String, Double> cpuSeconds, Map<String, Long> pg, long redisCommands,
             long oversold, double jitSeconds, List<Histogram> windows) {

    double rate() {
      return confirmed / seconds;
    }

    double orderP99() {
      return p(orderMicros, 99);
    }

    double checkoutP99() {
      return p(checkoutMicros, 99);
    }

    double cpuMsPerOrder() {
      return confirmed == 0 ? 0 : cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum() * 1000 / confirmed;
    }
  }

  /** The order p99's time series: one figure per this many seconds of a run. */
  private static final int WINDOW_SECONDS = 5;

  private final AppConfig config;
  private final Vertx vertx;
  private final Auth auth;
  private final Pool pool;
  private final Redis redis;
  private final String runId = Long.toString(System.currentTimeMillis(), 36);
  private final List<String> tokens = new ArrayList<>();

  private OrderBench(AppConfig config, Vertx vertx) {
    this.config = config;
    this.vertx = vertx;
    this.auth = new Auth(vertx, config.string("auth.jwtSecret"));
    this.pool = PgConfig.from(config).pool(vertx, "pg-order-bench", 2);
    this.redis = Redis.createClient(vertx, RedisConfig.from(config).options());
  }

  public static Path run(URI app, int products, int seconds, int warmupSeconds, int concurrency, int naivePort,
                         Path out) throws Exception {
    AppConfig config = AppConfig.load();
    // One event loop: the generator is part of the budget, and one loop needs no locks around its counters.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    try {
      return new OrderBench(config, vertx).runAll(app, products, seconds, warmupSeconds, concurrency, naivePort, out);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private Path runAll(URI app, int products, int seconds, int warmupSeconds, int concurrency, int naivePort, Path out)
      throws Exception {
    int buyers = Math.max(seconds, 30) * 4_000; // more than the fastest run can use: every buyer is new
    System.out.printf("issuing %,d buyer tokens...%n", buyers);
    for (int i = 0; i < buyers; i++) {
      tokens.add(auth.issue("ob-" + runId + "-" + i, false, Duration.ofHours(2)));
    }
    String admin = auth.issue("bench-admin", true, Duration.ofHours(2));
    CheckoutStorm catalog = new CheckoutStorm(vertx, app, 8); // creates the sales through the admin API

    // Both JVMs compile their hot paths during the first tens of thousands of requests: warm both layouts first.
    System.out.printf("warm-up: %d s on %d products and on one product (not measured)...%n", warmupSeconds, products);
    List<String> warm = catalog.setUp(admin, runId + "w", products, (buyers / products) + 1).await(2, TimeUnit.MINUTES);
    timed(app, warm, (warmupSeconds + 1) / 2, concurrency, "warm-up");
    List<String> warmHot = catalog.setUp(admin, runId + "v", 1, buyers).await(2, TimeUnit.MINUTES);
    timed(app, warmHot, (warmupSeconds + 1) / 2, concurrency, "warm-up");
    // The app's JIT compiles for minutes of CPU (tens of thousands of methods: Kafka, Jackson, Netty, Vert.x, ours);
    // a long-running server has done that long ago. Go on warming until its compiler threads are nearly idle.
    for (int round = 0; round < 12; round++) {
      double before = ProcessCpu.appCompilerSeconds();
      timed(app, round % 2 == 0 ? warm : warmHot, 10, concurrency, "warm-up");
      double share = (ProcessCpu.appCompilerSeconds() - before) / 10;
      System.out.printf("  the app's JIT used %.0f %% of a core in the last 10 s%n", share * 100);
      if (share < 0.05) {
        break;
      }
    }

    List<String> spreadIds = catalog.setUp(admin, runId + "s", products, (buyers / products) + 1).await(2, TimeUnit.MINUTES);
    Run spread = measured(app, "flashsale, " + products + " products", spreadIds, seconds, concurrency,
        (buyers / products) + 1);
    List<String> hotIds = catalog.setUp(admin, runId + "h", 1, buyers).await(2, TimeUnit.MINUTES);
    Run hot = measured(app, "flashsale, 1 hot product", hotIds, seconds, concurrency, buyers);
    catalog.close();

    System.out.println("naive whole purchase (one PostgreSQL transaction per order), same load generator...");
    NaivePurchaseServer.emptyTables(pool).await(30, TimeUnit.SECONDS);
    Vertx naiveVertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Run naiveSpread;
    Run naiveHot;
    try {
      NaivePurchaseServer.deploy(naiveVertx, config, naivePort, Runtime.getRuntime().availableProcessors(), 16)
          .await(30, TimeUnit.SECONDS);
      URI naive = URI.create("http://127.0.0.1:" + naivePort);
      List<String> naiveWarm = naiveProducts("w", products, (buyers / products) + 1);
      timed(naive, naiveWarm, warmupSeconds, concurrency, "naive warm-up");
      naiveSpread = naiveRun(naive, "naive, " + products + " products", naiveProducts("s", products,
          (buyers / products) + 1), seconds, concurrency);
      naiveHot = naiveRun(naive, "naive, 1 hot product", naiveProducts("h", 1, buyers), seconds, concurrency);
    } finally {
      naiveVertx.close().await(10, TimeUnit.SECONDS);
    }
    return report(out, products, seconds, concurrency, spread, hot, naiveSpread, naiveHot);
  }

  // ------------------------------------------------------------------ runs

  private Run measured(URI app, String label, List<String> ids, int seconds, int concurrency, long stockEach)
      throws Exception {
    System.out.printf("%s: %d s, %d buyers in flight...%n", label, seconds, concurrency);
    Map<String, Long> pgBefore = pgStats();
    long redisBefore = redisCommands();
    double jitBefore = ProcessCpu.appCompilerSeconds();
    ProcessCpu cpuBefore = ProcessCpu.snapshot();
    Load load = timed(app, ids, seconds, concurrency, label);
    ProcessCpu cpuAfter = ProcessCpu.snapshot();
    double jit = ProcessCpu.appCompilerSeconds() - jitBefore;
    long redisAfter = redisCommands();
    settle(ids);
    Map<String, Long> pgAfter = pgStats();
    Map<String, Long> pg = new LinkedHashMap<>();
    pgAfter.forEach((k, v) -> pg.put(k, v - pgBefore.getOrDefault(k, 0L)));
    long oversold = oversold(ids, stockEach);
    Run run = new Run(label, load.seconds, load.confirmed, load.checkout, load.order, load.answers,
        cpuAfter.since(cpuBefore), pg, redisAfter - redisBefore, oversold, jit, load.windows);
    System.out.printf("  %,.0f confirmed orders/s; checkout p99 %.1f ms, order p99 %.1f ms; %.2f CPU ms/order; "
            + "answers %s; oversold %d%n", run.rate(), run.checkoutP99(), run.orderP99(), run.cpuMsPerOrder(),
        run.answers(), oversold);
    return run;
  }

  private Run naiveRun(URI naive, String label, List<String> ids, int seconds, int concurrency) throws Exception {
    System.out.printf("%s: %d s, %d buyers in flight...%n", label, seconds, concurrency);
    Load load = timed(naive, ids, seconds, concurrency, label);
    Run run = new Run(label, load.seconds, load.confirmed, load.checkout, load.order, load.answers, Map.of(),
        Map.of(), 0, 0, 0, load.windows);
    System.out.printf("  %,.0f orders/s; order p99 %.1f ms; answers %s%n", run.rate(), run.orderP99(), run.answers());
    return run;
  }

  private Load timed(URI base, List<String> ids, int seconds, int concurrency, String label) throws Exception {
    Load load = new Load(vertx, base, concurrency);
    try {
      return load.run(ids, tokens, seconds).await(seconds + 120L, TimeUnit.SECONDS);
    } finally {
      load.close();
    }
  }

  /** Lets orders still PENDING at the end settle (recovery), up to a minute; the books are read afterwards. */
  private void settle(List<String> ids) throws Exception {
    for (int i = 0; i < 120; i++) {
      long pending = pool.preparedQuery("""
              select count(*) from orders o join order_items i on i.order_id = o.order_id
              where o.status = 'PENDING' and i.product_id = any($1)""")
          .execute(Tuple.of((Object) ids.toArray(String[]::new))).await(10, TimeUnit.SECONDS).iterator().next()
          .getLong(0);
      if (pending == 0) {
        break;
      }
      Thread.sleep(500);
    }
    Thread.sleep(1_200); // PostgreSQL publishes its statistics at most once a second
  }

  /** Units that left stock beyond the units of live orders (must be 0), or units sold beyond the stock. */
  private long oversold(List<String> ids, long stockEach) throws Exception {
    Row r = pool.preparedQuery("""
            select coalesce(sum($2::bigint - s.quantity), 0) as sold,
                   coalesce((select sum(i.quantity) from orders o join order_items i on i.order_id = o.order_id
                             where o.status in ('CONFIRMED', 'PENDING') and i.product_id = any($1)), 0) as live,
                   coalesce(min(s.quantity), 0) as least
            from stock s where s.product_id = any($1)""")
        .execute(Tuple.of((Object) ids.toArray(String[]::new), stockEach)).await(10, TimeUnit.SECONDS).iterator().next();
    long sold = r.getLong("sold");
    long live = r.getLong("live");
    if (sold != live) {
      System.out.printf("  !! units that left stock %d, units of live orders %d%n", sold, live);
    }
    return Math.max(0, live - sold) + Math.max(0, -r.getLong("least"));
  }

  private Map<String, Long> pgStats() throws Exception {
    Row r = pool.query("""
            select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
            from pg_stat_database where datname = current_database()""").execute().await(10, TimeUnit.SECONDS)
        .iterator().next();
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("commits", r.getLong(0));
    m.put("rollbacks", r.getLong(1));
    m.put("rows inserted", r.getLong(2));
    m.put("rows updated", r.getLong(3));
    m.put("rows deleted", r.getLong(4));
    return m;
  }

  private long redisCommands() throws Exception {
    String info = redis.send(Request.cmd(Command.INFO).arg("stats")).await(10, TimeUnit.SECONDS).toString();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("total_commands_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  private List<String> naiveProducts(String tag, int n, long units) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("naive-" + runId + tag + "-" + i);
    }
    StormBench.createNaiveProducts(vertx, config, ids, units);
    return ids;
  }

  // ------------------------------------------------------------------ report

  private static Path report(Path out, int products, int seconds, int concurrency, Run spread, Run hot, Run naiveSpread,
                             Run naiveHot) throws Exception {
    Report report = new Report("orders", "Orders bench: confirmed orders per second, and what one order costs")
        .line(String.format("Every buyer is new and makes a shopper's two calls — `POST /api/checkouts` (one unit),"
            + " then `POST /api/orders` with `tok_ok` — %d buyers in flight for %d s per run, on fresh products after"
            + " an unmeasured warm-up. Everything runs on this box: the app (with its payment simulator, projector,"
            + " outbox relay, coupon indexer and fan-out consumers, as in production), PostgreSQL, Redis, the Kafka"
            + " broker and the load generator (one event loop).", concurrency, seconds))
        .line("")
        .line("| run | confirmed orders/s | checkout p50 / p99 | order p50 / p99 | order max | answers | oversold |")
        .line("|---|---|---|---|---|---|---|");
    for (Run r : List.of(spread, hot, naiveSpread, naiveHot)) {
      report.line(String.format("| %s | **%,.0f** | %.1f / %.1f ms | %.1f / %.1f ms | %.1f ms | %s | %d |", r.label(),
          r.rate(), p(r.checkoutMicros(), 50), r.checkoutP99(), p(r.orderMicros(), 50), r.orderP99(),
          r.orderMicros().getMaxValue() / 1000.0, r.answers(), r.oversold()));
    }
    report.line("")
        .line(String.format("Order p99 in each %d s window (orders answered 201 in it, per second), to tell a steady"
            + " tail from a passing stall:", WINDOW_SECONDS))
        .line("");
    for (Run r : List.of(spread, hot)) {
      report.line("- " + r.label() + ": " + windows(r));
    }
    report.line("")
        .line("The naive purchase takes no hold, enforces no per-user limit, calls no payment provider, writes no"
            + " outbox and tells no read model: its figure is the ceiling of one plain transaction per order, not a"
            + " competitor.")
        .line("")
        .line("### What one flashsale order costs")
        .line("")
        .line("| per confirmed order | " + spread.label() + " | " + hot.label() + " |")
        .line("|---|---|---|");
    for (String role : spread.cpuSeconds().keySet()) {
      report.line(String.format("| CPU ms, %s | %.2f | %.2f |", role, perOrder(spread, spread.cpuSeconds().get(role) * 1000),
          perOrder(hot, hot.cpuSeconds().getOrDefault(role, 0.0) * 1000)));
    }
    report.line(String.format("| **CPU ms, all processes** | **%.2f** | **%.2f** |", spread.cpuMsPerOrder(),
        hot.cpuMsPerOrder()));
    report.line(String.format("| (of the app's: its JIT compiler threads) | %.2f | %.2f |",
        perOrder(spread, spread.jitSeconds() * 1000), perOrder(hot, hot.jitSeconds() * 1000)));
    for (String stat : spread.pg().keySet()) {
      report.line(String.format("| PostgreSQL %s | %.2f | %.2f |", stat, perOrder(spread, spread.pg().get(stat)),
          perOrder(hot, hot.pg().getOrDefault(stat, 0L))));
    }
    report.line(String.format("| Redis commands | %.2f | %.2f |", perOrder(spread, spread.redisCommands()),
        perOrder(hot, hot.redisCommands())));
    report.line("")
        .line("CPU is read from /proc before and after each run (PostgreSQL: every backend, exited ones through the"
            + " postmaster; \"everything else\" is the box's busy time not in a listed process). PostgreSQL figures"
            + " are `pg_stat_database` deltas (they include the recovery sweeps and relays running meanwhile); Redis"
            + " is `total_commands_processed` (Redlock included).")
        .line("")
        .line("Reproduce: `scripts/run`, then `bench/run orders` (options: `bench/run orders --help`).")
        .bar(spread.label(), spread.rate(), "confirmed orders per second")
        .bar(hot.label(), hot.rate(), "confirmed orders per second")
        .bar(naiveSpread.label(), naiveSpread.rate(), "confirmed orders per second")
        .bar(naiveHot.label(), naiveHot.rate(), "confirmed orders per second");
    Path file = report.write(out);
    System.out.println("report: " + file);
    System.out.printf("RESULT spread=%.0f spread_p99_ms=%.1f hot=%.0f hot_p99_ms=%.1f naive_spread=%.0f naive_hot=%.0f"
            + " cpu_ms_per_order=%.2f%n", spread.rate(), spread.orderP99(), hot.rate(), hot.orderP99(),
        naiveSpread.rate(), naiveHot.rate(), spread.cpuMsPerOrder());
    return file;
  }

  /** "p99 ms (orders/s)" for each window of the run, in order. */
  private static String windows(Run r) {
    List<String> parts = new ArrayList<>();
    for (Histogram w : r.windows()) {
      parts.add(String.format("%.0f ms (%,.0f/s)", p(w, 99), w.getTotalCount() / (double) WINDOW_SECONDS));
    }
    return String.join(", ", parts);
  }

  private static double perOrder(Run r, double total) {
    return r.confirmed() == 0 ? 0 : total / r.confirmed();
  }

  private static double p(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  // ------------------------------------------------------------------ the load

  /**
   * A closed loop: {@code concurrency} buyers in flight; each takes the next buyer's token, checks out one unit of
   * the next product and orders it, until {@code seconds} have passed. Bodies are built as strings and the checkout's
   * id is cut out of its answer, so the generator spends its CPU on HTTP, not on JSON trees.
   */
  private static final class Load {
    private final Vertx vertx;
    private final HttpClient http;
    private final int concurrency;
    private final Histogram checkout = new Histogram(60_000_000L, 3);
    private final Histogram order = new Histogram(60_000_000L, 3);
    private final List<Histogram> windows = new ArrayList<>(); // the 201 orders' latencies, by when they were answered
    private final Map<String, Integer> answers = new TreeMap<>();
    private int next;
    private int inFlight;
    private int confirmed;
    private long endNanos;
    private double seconds;
    private long startNanos;
    private Promise<Load> done;

    Load(Vertx vertx, URI base, int concurrency) {
      this.vertx = vertx;
      this.concurrency = concurrency;
      this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
          .setDefaultPort(base.getPort()).setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
    }

    Future<Load> run(List<String> ids, List<String> tokens, int seconds) {
      done = Promise.promise();
      vertx.runOnContext(v -> {
        startNanos = System.nanoTime();
        endNanos = startNanos + seconds * 1_000_000_000L;
        for (int c = 0; c < concurrency; c++) {
          inFlight++;
          buyer(ids, tokens);
        }
      });
      return done.future();
    }

    private void buyer(List<String> ids, List<String> tokens) {
      int i = next++;
      if (System.nanoTime() >= endNanos || i >= tokens.size()) {
        if (--inFlight == 0) {
          seconds = (System.nanoTime() - startNanos) / 1e9;
          done.complete(this);
        }
        return;
      }
      String bearer = "Bearer " + tokens.get(i);
      String productId = ids.get(i % ids.size());
      long t0 = System.nanoTime();
      post("/api/checkouts", bearer, null, "{\"items\":[{\"productId\":\"" + productId + "\",\"quantity\":1}]}")
          .onComplete(ar -> {
            long t1 = System.nanoTime();
            checkout.recordValue(Math.max(1, (t1 - t0) / 1000));
            String answer = ar.succeeded() ? ar.result() : "IO " + ar.cause().getClass().getSimpleName();
            if (!answer.startsWith("201|")) {
              count("checkout " + code(answer));
              buyer(ids, tokens);
              return;
            }
            String checkoutId = field(answer, "checkoutId");
            post("/api/orders", bearer, "k-" + checkoutId, "{\"checkoutId\":\"" + checkoutId
                + "\",\"payment\":{\"method\":\"CARD\",\"token\":\"tok_ok\"}}").onComplete(or -> {
                  long t2 = System.nanoTime();
                  order.recordValue(Math.max(1, (t2 - t1) / 1000));
                  String o = or.succeeded() ? or.result() : "IO " + or.cause().getClass().getSimpleName();
                  if (o.startsWith("201|")) {
                    confirmed++;
                    if (t2 < endNanos) { // (the drain after the end is not a window of its own)
                      window(t2).recordValue(Math.max(1, (t2 - t1) / 1000));
                    }
                  }
                  count("order " + code(o));
                  buyer(ids, tokens);
                });
          });
    }

    private Histogram window(long nanos) {
      int at = (int) ((nanos - startNanos) / (WINDOW_SECONDS * 1_000_000_000L));
      while (windows.size() <= at) {
        windows.add(new Histogram(60_000_000L, 2));
      }
      return windows.get(at);
    }

    private void count(String what) {
      answers.merge(what, 1, Integer::sum);
    }

    private Future<String> post(String path, String bearer, String idempotencyKey, String body) {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
          .putHeader("authorization", bearer).putHeader("content-type", "application/json");
      if (idempotencyKey != null) {
        options.putHeader("idempotency-key", idempotencyKey);
      }
      return http.request(options).compose(req -> req.send(Buffer.buffer(body))
          .compose(res -> res.body().map(b -> res.statusCode() < 300 ? res.statusCode() + "|" + b
              : CheckoutStorm.answer(res.statusCode(), b))));
    }

    private static String code(String answer) {
      int bar = answer.indexOf('|');
      return bar < 0 ? answer : answer.substring(0, bar);
    }

    private static String field(String answer, String name) {
      String key = "\"" + name + "\":\"";
      int at = answer.indexOf(key) + key.length();
      return answer.substring(at, answer.indexOf('"', at));
    }

    Future<Void> close() {
      return http.close();
    }
  }
}
