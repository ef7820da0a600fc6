package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run storm}: the flash-sale storm two ways in one run. flashsale: every buyer checks out one unit of one
 * of a few hot products (Redis hold) and every holder orders (the whole saga). Naive: every buyer runs the single-row
 * {@code UPDATE stock SET quantity = quantity - 1 ... WHERE quantity >= 1} in PostgreSQL — sold-out buyers included,
 * since nothing stops them before the database.
 */
public final class StormBench {

  private StormBench() {
  }

  public static Path run(URI app, int buyers, int products, long units, int concurrency, Path out) throws Exception {
    AppConfig config = AppConfig.load();
    Vertx vertx = Vertx.vertx();
    try {
      Report report = new Report("storm", "Storm bench: flashsale's three layers against the naive single-row UPDATE")
          .line(String.format("%,d buyers, %d requests in flight, one unit each; the same load generator and HTTP"
              + " contract (`POST /api/checkouts`, JWT, JSON) for every strategy, one after the other in one run,"
              + " each on fresh products after an unmeasured warm-up. Two layouts: the stock spread over %d hot"
              + " products, and the same stock on one product (one hot row).", buyers, concurrency, products));
      int port = 18185;
      for (long[] layout : new long[][] {{products, units}, {1, products * units}}) {
        layout(vertx, config, app, buyers, (int) layout[0], layout[1], concurrency, report, port++);
      }
      report.line("")
          .line("The naive server answers from 16 PostgreSQL connections. On this box PostgreSQL is local and fast, so"
              + " the bare decrement keeps up at this scale; what it does not do is keep sold-out traffic off the"
              + " database, hold stock while the shopper pays, or enforce a per-user limit — and each of its sold-out"
              + " answers is a database round trip that real order work would be queueing behind.")
          .line("")
          .line("Reproduce: `scripts/run`, then `bench/run storm`.");
      Path file = report.write(out);
      System.out.println("report: " + file);
      return file;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void layout(Vertx vertx, AppConfig config, URI app, int buyers, int products, long units,
                             int concurrency, Report report, int naivePort) throws Exception {
    Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
    String runId = Long.toString(System.currentTimeMillis(), 36);
    CheckoutStorm storm = new CheckoutStorm(vertx, app, concurrency);
    String admin = auth.issue("bench-admin", true, Duration.ofHours(1));
    List<String> tokens = new ArrayList<>(buyers);
    for (int i = 0; i < buyers; i++) {
      tokens.add(auth.issue("storm-" + runId + "-" + i, false, Duration.ofHours(1)));
    }
    System.out.printf("layout: %d product(s) x %,d units%nwarm-up storm (not measured)...%n", products, units);
    List<String> warm = storm.setUp(admin, runId + "w", products, units).await(2, TimeUnit.MINUTES);
    storm.run(warm, units, Math.min(buyers, 3000), concurrency, tokens::get, true).await(10, TimeUnit.MINUTES);

    List<String> ids = storm.setUp(admin, runId + "c", products, units).await(2, TimeUnit.MINUTES);
    System.out.println("flashsale checkout storm...");
    CheckoutStorm.Result checkouts = storm.run(ids, units, buyers, concurrency, tokens::get, false)
        .await(30, TimeUnit.MINUTES);
    System.out.println(checkouts.summary());
    ids = storm.setUp(admin, runId + "o", products, units).await(2, TimeUnit.MINUTES);
    System.out.println("flashsale checkout + order storm...");
    Map<String, Long> spreadBefore = ClusterSpread.snapshot(vertx, config);
    CheckoutStorm.Result orders = storm.run(ids, units, buyers, concurrency, tokens::get, true)
        .await(30, TimeUnit.MINUTES);
    List<String> spread = ClusterSpread.table("the checkout + order storm on " + products + " product(s)",
        spreadBefore, ClusterSpread.snapshot(vertx, config));
    spread.forEach(System.out::println);
    System.out.println(orders.summary());
    storm.close();

    System.out.println("naive single-row UPDATE storm (same HTTP contract, same load generator)...");
    List<String> warmNaive = new ArrayList<>();
    List<String> naiveIds = new ArrayList<>();
    for (int i = 0; i < products; i++) {
      warmNaive.add("naive-" + runId + "-w" + i);
      naiveIds.add("naive-" + runId + "-" + i);
    }
    createNaiveProducts(vertx, config, warmNaive, units);
    createNaiveProducts(vertx, config, naiveIds, units);
    String deployment = NaiveServer.deploy(vertx, config, naivePort, Runtime.getRuntime().availableProcessors(), 16)
        .await(30, TimeUnit.SECONDS);
    CheckoutStorm naiveStorm = new CheckoutStorm(vertx, URI.create("http://127.0.0.1:" + naivePort), concurrency);
    naiveStorm.run(warmNaive, units, Math.min(buyers, 3000), concurrency, tokens::get, false)
        .await(10, TimeUnit.MINUTES);
    CheckoutStorm.Result naive = naiveStorm.run(naiveIds, units, buyers, concurrency, tokens::get, false)
        .await(30, TimeUnit.MINUTES);
    System.out.println(naive.summary());
    naiveStorm.close();
    vertx.undeploy(deployment).await(30, TimeUnit.SECONDS);

    long total = products * units;
    report.line("")
        .line(String.format("### %d product(s) × %,d units", products, units))
        .line("")
        .line("| strategy | wall time | buyers/s | units sold | oversold | p50 | p99 | max | 5xx / IO errors |")
        .line("|---|---|---|---|---|---|---|---|---|")
        .line(row("flashsale checkout: Redis Lua hold (+ checkout row)", checkouts, total, false))
        .line(row("flashsale checkout + order: the whole saga for each holder", orders, total, true))
        .line(row("naive: `UPDATE stock SET quantity = quantity - 1 ... AND quantity >= 1`", naive, total, false))
        .line("")
        .line(String.format("Holders' order call (saga: payment, Redlock, versioned decrement, order row, capture):"
                + " p50 %.1f ms, p99 %.1f ms. Sold-out buyers: flashsale p99 %.1f ms (refused in memory or by the"
                + " Lua script, never reaching PostgreSQL), naive p99 %.1f ms (every one is an UPDATE).",
            orders.orderMicros().getValueAtPercentile(50) / 1000.0, orders.orderMicros().getValueAtPercentile(99) / 1000.0,
            p99(checkouts, "409 SOLD_OUT"), p99(naive, "409 SOLD_OUT")))
        .lines(spread)
        .bar(products + "p: flashsale checkout", buyers / checkouts.seconds(), "buyers handled per second")
        .bar(products + "p: flashsale checkout + order", buyers / orders.seconds(), "buyers handled per second")
        .bar(products + "p: naive single-row UPDATE", buyers / naive.seconds(), "buyers handled per second");
  }

  private static String row(String label, CheckoutStorm.Result r, long units, boolean orders) {
    long sold = orders ? r.orderCodes().getOrDefault("201", 0) : r.held();
    long errors = r.codes().entrySet().stream().filter(e -> e.getKey().startsWith("5") || e.getKey().startsWith("IO"))
        .mapToLong(java.util.Map.Entry::getValue).sum()
        + r.orderCodes().entrySet().stream().filter(e -> !e.getKey().equals("201")).mapToLong(java.util.Map.Entry::getValue)
        .sum();
    Histogram h = r.latencyMicros();
    return String.format("| %s | %.2f s | %,.0f | %,d | %d | %.1f ms | %.1f ms | %.1f ms | %d |", label, r.seconds(),
        r.buyers() / r.seconds(), sold, Math.max(0, sold - units), h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, errors);
  }

  private static double p99(CheckoutStorm.Result r, String code) {
    Histogram h = r.latencyByCode().get(code);
    return h == null ? 0 : h.getValueAtPercentile(99) / 1000.0;
  }

  /** The naive side's products, straight in PostgreSQL (the app never sees them). */
  static void createNaiveProducts(Vertx vertx, AppConfig config, List<String> ids, long units) throws Exception {
    Pool pool = PgConfig.from(config).pool(vertx, "pg-naive-setup", 2);
    try {
      for (String id : ids) {
        pool.preparedQuery("insert into products (product_id, name, brand, category, price) values ($1, 'Naive Parka',"
            + " 'Bench', 'Outerwear', 100000)").execute(Tuple.of(id)).await(10, TimeUnit.SECONDS);
        pool.preparedQuery("insert into stock (product_id, quantity) values ($1, $2)").execute(Tuple.of(id, units))
            .await(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.close();
    }
  }
}
