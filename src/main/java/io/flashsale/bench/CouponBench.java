package io.flashsale.bench;

import io.flashsale.coupon.Coupon;
import io.flashsale.coupon.CouponIndex;
import io.flashsale.coupon.CouponIndexer;
import io.flashsale.coupon.CouponRule;
import io.flashsale.coupon.CouponService;
import io.flashsale.coupon.CouponStore;
import io.flashsale.coupon.DemoCoupons;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * {@code bench/run coupons}: "which coupons may this user use on this product, and which is best", answered from the
 * pre-computed Redis sets and, on the same data in the same run, by the equivalent SQL JOIN. The data set (users
 * bu1.., products bp00001.., coupons bc0001.., grants) is created once in PostgreSQL and indexed into Redis with the
 * indexer's own code; later runs reuse it.
 */
public final class CouponBench {

  private static final String[] BRANDS = {"Covernat", "Nike", "Adidas", "Lee", "Kirsh", "Stussy", "Ader Error",
      "Marithe", "New Balance", "Carhartt WIP"};
  private static final String[] CATEGORIES = {"Outerwear", "Tops", "Bottoms", "Shoes", "Bags", "Accessories"};

  private CouponBench() {
  }

  public static Path run(int users, int products, int coupons, double share, int concurrency, int seconds, Path out)
      throws Exception {
    AppConfig config = AppConfig.load();
    Vertx vertx = Vertx.vertx();
    Pool pool = PgConfig.from(config).pool(vertx, "pg-coupon-bench", concurrency);
    Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options().setMaxPoolSize(concurrency));
    try {
      RedisKeys keys = RedisKeys.from(config);
      CouponStore store = new CouponStore(pool, Topics.from(config));
      CouponIndex index = new CouponIndex(redis, keys);
      long grants = ensureData(pool, store, index, users, products, coupons, share);
      CouponService service = new CouponService(index, store, new CouponService.Definitions(), Clock.systemUTC());
      List<Row> productRows = new ArrayList<>();
      pool.query("select product_id, brand, category, price from products where product_id like 'bp%'").execute()
          .await(1, TimeUnit.MINUTES).forEach(productRows::add);
      Random rnd = new Random(7);
      int pairs = 100_000;
      String[] pairUser = new String[pairs];
      CouponRule.ProductFacts[] pairProduct = new CouponRule.ProductFacts[pairs];
      for (int i = 0; i < pairs; i++) {
        pairUser[i] = "bu" + (1 + rnd.nextInt(users));
        Row r = productRows.get(rnd.nextInt(productRows.size()));
        pairProduct[i] = new CouponRule.ProductFacts(r.getString(0), r.getString(1), r.getString(2), r.getLong(3));
      }
      System.out.println("warm-up (not measured)...");
      measure(vertx, concurrency, 3, i -> service.offers(pairUser[i % pairs], pairProduct[i % pairs]).map(List::size));
      measure(vertx, concurrency, 3, i -> store.applicableByJoin(pairUser[i % pairs], pairProduct[i % pairs].productId()).map(List::size));
      System.out.println("Redis sets...");
      Result sets = measure(vertx, concurrency, seconds, i -> service.offers(pairUser[i % pairs], pairProduct[i % pairs])
          .map(List::size));
      System.out.println("  " + sets);
      System.out.println("SQL JOIN...");
      Result join = measure(vertx, concurrency, seconds, i -> store.applicableByJoin(pairUser[i % pairs], pairProduct[i % pairs].productId()).map(List::size));
      System.out.println("  " + join);
      long mismatches = 0;
      for (int i = 0; i < 500; i++) {
        int a = service.offers(pairUser[i], pairProduct[i]).await(10, TimeUnit.SECONDS).size();
        int b = store.applicableByJoin(pairUser[i], pairProduct[i].productId()).await(10, TimeUnit.SECONDS).size();
        if (a != b) {
          mismatches++;
        }
      }
      Report report = new Report("coupons", "Coupons bench: pre-computed Redis sets against the SQL JOIN")
          .line(String.format("Data: %,d users, %,d products, %,d coupons (mixed targets: brands, categories, product"
              + " ids, grades, any), %,d unused grants. Random (user, product) pairs; %d lookups in flight for %d s"
              + " each, after a 3 s warm-up of each; both answer with every applicable coupon, best first.", users,
              products, coupons, grants, concurrency, seconds))
          .line("")
          .line("| lookup | lookups/s | p50 | p99 | max |")
          .line("|---|---|---|---|---|")
          .line(sets.row("Redis sets + rule in the app (`GET /api/products/{id}/coupons`'s path)"))
          .line(join.row("SQL JOIN of grants, coupons, users and products"))
          .line("")
          .line(String.format("**Sets / JOIN = %.1f× the throughput, p99 %.2f ms vs %.2f ms** (goal: p99 under 5 ms)."
              + " The two agreed on the number of applicable coupons for %d of 500 sampled pairs.",
              sets.perSecond / join.perSecond, sets.p99, join.p99, 500 - mismatches))
          .line("")
          .line("Reproduce: `scripts/run` (servers), then `bench/run coupons` (the first run builds the data set).")
          .bar("Redis sets", sets.perSecond, "lookups per second")
          .bar("SQL JOIN", join.perSecond, "lookups per second");
      Path file = report.write(out);
      System.out.println("report: " + file);
      return file;
    } finally {
      redis.close();
      pool.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private record Result(double perSecond, double p50, double p99, double max) {
    String row(String label) {
      return String.format("| %s | %,.0f | %.2f ms | %.2f ms | %.2f ms |", label, perSecond, p50, p99, max);
    }

    @Override
    public String toString() {
      return String.format("%,.0f lookups/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms", perSecond, p50, p99, max);
    }
  }

  private static Result measure(Vertx vertx, int concurrency, int seconds, IntFunction<Future<Integer>> lookup)
      throws Exception {
    Histogram h = new Histogram(60_000_000L, 3);
    AtomicInteger next = new AtomicInteger();
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Promise<Void> finished = Promise.promise();
    AtomicInteger running = new AtomicInteger(concurrency);
    long started = System.nanoTime();
    Runnable[] worker = new Runnable[1];
    worker[0] = () -> {
      if (System.nanoTime() > end) {
        if (running.decrementAndGet() == 0) {
          finished.complete();
        }
        return;
      }
      long t0 = System.nanoTime();
      lookup.apply(next.getAndIncrement()).onComplete(ar -> {
        synchronized (h) {
          h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
        }
        done.incrementAndGet();
        worker[0].run();
      });
    };
    vertx.runOnContext(v -> {
      for (int c = 0; c < concurrency; c++) {
        worker[0].run();
      }
    });
    finished.future().await(seconds + 60L, TimeUnit.SECONDS);
    double took = (System.nanoTime() - started) / 1e9;
    return new Result(done.get() / took, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0);
  }

  /** Creates the data set once (SQL, in bulk) and indexes it into Redis with the indexer's code; answers the grants. */
  private static long ensureData(Pool pool, CouponStore store, CouponIndex index, int users, int products, int coupons,
                                 double share) throws Exception {
    long existing = pool.query("select count(*) from coupons where coupon_id like 'bc%'").execute()
        .await(1, TimeUnit.MINUTES).iterator().next().getLong(0);
    if (existing < coupons) {
      System.out.printf("creating %,d users, %,d products, %,d coupons and their grants (once)...%n", users, products,
          coupons);
      pool.query("insert into users (user_id, grade) select 'bu' || g, (array['BASIC','BASIC','SILVER','GOLD',"
          + "'PLATINUM'])[1 + g % 5] from generate_series(1, " + users + ") g on conflict do nothing").execute()
          .await(10, TimeUnit.MINUTES);
      pool.query("insert into products (product_id, name, brand, category, price) select 'bp' || lpad(g::text, 5, '0'),"
          + " 'Bench item ' || g, (array['" + String.join("','", BRANDS) + "'])[1 + g % " + BRANDS.length + "],"
          + " (array['" + String.join("','", CATEGORIES) + "'])[1 + (g / 7) % " + CATEGORIES.length + "],"
          + " 10000 + (g * 7919) % 300000 from generate_series(1, " + products + ") g on conflict do nothing").execute()
          .await(10, TimeUnit.MINUTES);
      List<Coupon> generated = new ArrayList<>();
      Random rnd = new Random(99);
      for (Coupon c : DemoCoupons.coupons(coupons, 0, 5, Instant.now())) {
        Coupon.Target t = c.target();
        List<String> brands = t.brands().isEmpty() ? List.of() : List.of(BRANDS[rnd.nextInt(BRANDS.length)]);
        List<String> cats = t.categories().isEmpty() ? List.of() : List.of(CATEGORIES[rnd.nextInt(CATEGORIES.length)]);
        List<String> ids = new ArrayList<>();
        if (rnd.nextInt(10) == 0) {
          for (int k = 0; k < 10; k++) {
            ids.add(String.format("bp%05d", 1 + rnd.nextInt(products)));
          }
        }
        generated.add(new Coupon("b" + c.couponId(), c.name(), c.type(), c.value(), c.maxDiscount(), c.minPrice(),
            c.validFrom(), c.validTo(), new Coupon.Target(t.grades(), brands, cats, List.copyOf(new java.util.LinkedHashSet<>(ids))), 0));
      }
      Concurrently.forEach(generated, 8, store::upsert).await(10, TimeUnit.MINUTES);
      pool.query("insert into coupon_grants (coupon_id, user_id) select c.coupon_id, 'bu' || g from coupons c,"
          + " generate_series(1, " + users + ") g where c.coupon_id like 'bc%' and random() < " + share
          + " on conflict do nothing").execute().await(30, TimeUnit.MINUTES);
    }
    // Grants written by SQL in bulk bypass the outbox, and a Redis that restarted (or an older key layout) has no
    // sets: either way the index is rebuilt with the indexer's own code, as the app's self-healing would.
    if (existing < coupons || !index.isReady().await(1, TimeUnit.MINUTES)) {
      System.out.println("indexing into Redis with the indexer's code...");
      long total = store.all().await(1, TimeUnit.MINUTES).size();
      AtomicLong n = new AtomicLong();
      new CouponIndexer(pool, store, index).reindexAll(k -> {
        if (n.incrementAndGet() % 100 == 0) {
          System.out.printf("  %d/%d coupons indexed%n", n.get(), total);
        }
      }).await(60, TimeUnit.MINUTES);
      index.markReady().await(1, TimeUnit.MINUTES);
    }
    return pool.query("select count(*) from coupon_grants where coupon_id like 'bc%' and status = 'AVAILABLE'").execute()
        .await(1, TimeUnit.MINUTES).iterator().next().getLong(0);
  }
}
