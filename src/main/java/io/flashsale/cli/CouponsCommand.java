package io.flashsale.cli;

import io.flashsale.coupon.CouponIndex;
import io.flashsale.coupon.CouponIndexer;
import io.flashsale.coupon.CouponStore;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.vertx.core.Vertx;

import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code coupons reindex}: rebuilds every coupon set from PostgreSQL — the answer to a lost Redis. */
@Command(name = "coupons", mixinStandardHelpOptions = true, description = "Coupon operations.",
    subcommands = CouponsCommand.Reindex.class)
final class CouponsCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "reindex", mixinStandardHelpOptions = true,
      description = "Drop and rebuild every coupon set (definitions, products, holders, users, grades) from PostgreSQL.")
  static final class Reindex implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
      AppConfig config = AppConfig.load();
      RedisKeys keys = RedisKeys.from(config);
      Vertx vertx = Vertx.vertx();
      Pool pool = PgConfig.from(config).pool(vertx, "pg-reindex", 4);
      Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options());
      long started = System.nanoTime();
      CouponIndex index = new CouponIndex(redis, keys);
      String token = null;
      try {
        // One rebuild at a time (the app's self-healing takes the same lock). The sets stay live: each is corrected
        // in place (members added and removed), so lookups keep answering right while it runs.
        for (int i = 0; i < 600 && token == null; i++) {
          token = index.tryRebuildLock(3_600_000).await(10, TimeUnit.SECONDS);
          if (token == null) {
            Thread.sleep(1_000); // another process is rebuilding: wait for it (progress is in its log)
          }
        }
        if (token == null) {
          System.err.println("another process holds the coupon rebuild lock; try again later");
          return 1;
        }
        CouponStore store = new CouponStore(pool, Topics.from(config));
        long coupons = store.all().await(1, TimeUnit.MINUTES).size();
        Progress progress = new Progress(System.out, "coupons", coupons);
        long[] counts = new CouponIndexer(pool, store, index).reindexAll(progress::step)
            .await(60, TimeUnit.MINUTES);
        index.markReady().await(10, TimeUnit.SECONDS);
        System.out.printf("reindexed %,d coupons, %,d unused grants, %,d user grades in %.1f s (live sets corrected in"
            + " place)%n", counts[0], counts[1], counts[2], (System.nanoTime() - started) / 1e9);
        return 0;
      } catch (Exception e) {
        System.err.println("reindex failed: " + e);
        return 1;
      } finally {
        if (token != null) {
          index.dropRebuildLock(token).await(10, TimeUnit.SECONDS);
        }
        redis.close();
        pool.close();
        Cli.closeQuietly(vertx);
      }
    }
  }
}
