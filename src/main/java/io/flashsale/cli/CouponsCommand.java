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
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;
import java.util.List;
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
        // One rebuild at a time (the app's self-healing takes the same lock); lookups answer 503 while it runs
        // rather than a wrong "no coupons" from half-built sets.
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
        index.markNotReady().await(10, TimeUnit.SECONDS);
        long dropped = dropAll(redis, keys.prefix() + "{cpn}:*", keys.couponRebuildLock());
        CouponStore store = new CouponStore(pool, Topics.from(config));
        long coupons = store.all().await(1, TimeUnit.MINUTES).size();
        Progress progress = new Progress(System.out, "coupons", coupons);
        long[] counts = new CouponIndexer(pool, store, index).reindexAll(progress::step)
            .await(60, TimeUnit.MINUTES);
        index.markReady().await(10, TimeUnit.SECONDS);
        System.out.printf("reindexed %,d coupons, %,d unused grants, %,d user grades (dropped %,d old keys) in %.1f s%n",
            counts[0], counts[1], counts[2], dropped, (System.nanoTime() - started) / 1e9);
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

    /** Deletes every key matching {@code pattern} but {@code keep} (our own rebuild lock). */
    private static long dropAll(Redis redis, String pattern, String keep) throws Exception {
      long dropped = 0;
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(io.vertx.redis.client.Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT")
            .arg(1000)).await(30, TimeUnit.SECONDS);
        cursor = page.get(0).toString();
        List<String> doomed = new java.util.ArrayList<>();
        page.get(1).forEach(k -> {
          if (!k.toString().equals(keep)) {
            doomed.add(k.toString());
          }
        });
        if (!doomed.isEmpty()) {
          Request del = Request.cmd(io.vertx.redis.client.Command.UNLINK);
          doomed.forEach(del::arg);
          dropped += redis.send(del).await(30, TimeUnit.SECONDS).toLong();
        }
      } while (!"0".equals(cursor));
      return dropped;
    }
  }
}
