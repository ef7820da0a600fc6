package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
      Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
      String runId = Long.toString(System.currentTimeMillis(), 36);
      CheckoutStorm storm = new CheckoutStorm(vertx, app, concurrency);
      String admin = auth.issue("bench-admin", true, Duration.ofHours(1));
      List<String> tokens = new ArrayList<>(buyers);
      for (int i = 0; i < buyers; i++) {
        tokens.add(auth.issue("storm-" + runId + "-" + i, false, Duration.ofHours(1)));
      }
      System.out.println("warm-up storm (not measured)...");
      List<String> warm = storm.setUp(admin, runId + "w", products, units).await(2, TimeUnit.MINUTES);
      storm.run(warm, units, Math.min(buyers, 3000), concurrency, tokens::get, true).await(10, TimeUnit.MINUTES);
      List<String> ids = storm.setUp(admin, runId, products, units).await(2, TimeUnit.MINUTES);
      System.out.println("flashsale storm...");
      CheckoutStorm.Result ours = storm.run(ids, units, buyers, concurrency, tokens::get, true)
          .await(30, TimeUnit.MINUTES);
      System.out.println(ours.summary());
      storm.close();

      System.out.println("naive single-row UPDATE storm...");
      List<String> naiveIds = new ArrayList<>();
      for (int i = 0; i < products; i++) {
        naiveIds.add("naive-" + runId + "-" + i);
      }
      Naive naive = naive(vertx, config, naiveIds, units, buyers, concurrency);
      long sold = ours.orderCodes().getOrDefault("201", 0);
      Report report = new Report("storm", "Storm bench: flashsale's three layers against the naive single-row UPDATE")
          .line(String.format("%,d buyers, %d hot products × %,d units, %d requests in flight, one unit each; the two"
              + " strategies one after the other in one run, each on its own fresh products.", buyers, products,
              units, concurrency))
          .line("")
          .line("| strategy | wall time | buyers/s | units sold | oversold | p50 | p99 | max | errors |")
          .line("|---|---|---|---|---|---|---|---|---|")
          .line(String.format("| flashsale: checkout (Redis hold) + order (saga) | %.2f s | %,.0f | %,d | %d | %.1f ms |"
                  + " %.1f ms | %.1f ms | %d |", ours.seconds(), buyers / ours.seconds(), sold,
              Math.max(0, sold - products * units), ours.latencyMicros().getValueAtPercentile(50) / 1000.0,
              ours.latencyMicros().getValueAtPercentile(99) / 1000.0, ours.latencyMicros().getMaxValue() / 1000.0,
              errors(ours)))
          .line(String.format("| naive: `UPDATE stock ... quantity - 1` per buyer | %.2f s | %,.0f | %,d | %d | %.1f ms |"
                  + " %.1f ms | %.1f ms | %d |", naive.seconds, buyers / naive.seconds, naive.sold.get(),
              Math.max(0, naive.sold.get() - products * units), naive.latency.getValueAtPercentile(50) / 1000.0,
              naive.latency.getValueAtPercentile(99) / 1000.0, naive.latency.getMaxValue() / 1000.0, naive.errors.get()))
          .line("")
          .line(String.format("flashsale's latency column is the checkout call (a holder's order call: p50 %.1f ms,"
                  + " p99 %.1f ms). Its orders run the whole saga (payment, lock, versioned decrement, order row,"
                  + " capture); the naive strategy only decrements — and every sold-out buyer still costs PostgreSQL"
                  + " a row lock, where flashsale refuses them in Redis or in memory.",
              ours.orderMicros().getValueAtPercentile(50) / 1000.0, ours.orderMicros().getValueAtPercentile(99) / 1000.0))
          .line("")
          .line("Reproduce: `scripts/run`, then `bench/run storm`.")
          .bar("flashsale buyers/s", buyers / ours.seconds(), "buyers handled per second")
          .bar("naive UPDATE buyers/s", buyers / naive.seconds, "buyers handled per second");
      Path file = report.write(out);
      System.out.println("report: " + file);
      return file;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static long errors(CheckoutStorm.Result r) {
    return r.codes().entrySet().stream().filter(e -> e.getKey().startsWith("5") || e.getKey().startsWith("IO"))
        .mapToLong(java.util.Map.Entry::getValue).sum()
        + r.orderCodes().entrySet().stream().filter(e -> !e.getKey().equals("201")).mapToLong(java.util.Map.Entry::getValue)
        .sum();
  }

  private record Naive(double seconds, AtomicLong sold, AtomicLong errors, Histogram latency) {
  }

  /**
   * Creates the products' rows straight in PostgreSQL (the app never sees them), then lets every buyer decrement
   * them directly, {@code concurrency} at a time.
   */
  private static Naive naive(Vertx vertx, AppConfig config, List<String> productIds, long units, int buyers,
                             int concurrency) throws Exception {
    Pool pool = PgConfig.from(config).pool(vertx, "pg-naive", concurrency);
    try {
      for (String id : productIds) {
        pool.preparedQuery("insert into products (product_id, name, brand, category, price) values ($1, 'Naive Parka',"
            + " 'Bench', 'Outerwear', 100000)").execute(Tuple.of(id)).await(10, TimeUnit.SECONDS);
        pool.preparedQuery("insert into stock (product_id, quantity) values ($1, $2)").execute(Tuple.of(id, units))
            .await(10, TimeUnit.SECONDS);
      }
      Histogram latency = new Histogram(60_000_000L, 3);
      AtomicLong sold = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      AtomicInteger next = new AtomicInteger();
      AtomicInteger finished = new AtomicInteger();
      Promise<Void> done = Promise.promise();
      long started = System.nanoTime();
      Runnable[] worker = new Runnable[1];
      worker[0] = () -> {
        int i = next.getAndIncrement();
        if (i >= buyers) {
          return;
        }
        long t0 = System.nanoTime();
        Future<?> f = pool.withTransaction(tx -> tx.preparedQuery(
            "update stock set quantity = quantity - 1, version = version + 1 where product_id = $1 and quantity >= 1")
            .execute(Tuple.of(productIds.get(i % productIds.size()))).map(rs -> {
              if (rs.rowCount() == 1) {
                sold.incrementAndGet();
              }
              return null;
            }));
        f.onComplete(ar -> {
          synchronized (latency) {
            latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
          }
          if (ar.failed()) {
            errors.incrementAndGet();
          }
          if (finished.incrementAndGet() == buyers) {
            done.complete();
          } else {
            worker[0].run();
          }
        });
      };
      for (int c = 0; c < Math.min(concurrency, buyers); c++) {
        worker[0].run();
      }
      done.future().await(30, TimeUnit.MINUTES);
      return new Naive((System.nanoTime() - started) / 1e9, sold, errors, latency);
    } finally {
      pool.close();
    }
  }
}
