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
      try {
        long dropped = dropAll(redis, keys.prefix() + "{cpn}:*");
        CouponStore store = new CouponStore(pool, Topics.from(config));
        long coupons = store.all().await(1, TimeUnit.MINUTES).size();
        Progress progress = new Progress(System.out, "coupons", coupons);
        long[] counts = new CouponIndexer(pool, store, new CouponIndex(redis, keys)).reindexAll(progress::step)
            .await(60, TimeUnit.MINUTES);
        System.out.printf("reindexed %,d coupons, %,d unused grants, %,d user grades (dropped %,d old keys) in %.1f s%n",
            counts[0], counts[1], counts[2], dropped, (System.nanoTime() - started) / 1e9);
        return 0;
      } catch (Exception e) {
        System.err.println("reindex failed: " + e);
        return 1;
      } finally {
        redis.close();
        pool.close();
        Cli.closeQuietly(vertx);
      }
    }

    private static long dropAll(Redis redis, String pattern) throws Exception {
      long dropped = 0;
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(io.vertx.redis.client.Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT")
            .arg(1000)).await(30, TimeUnit.SECONDS);
        cursor = page.get(0).toString();
        if (page.get(1).size() > 0) {
          Request del = Request.cmd(io.vertx.redis.client.Command.UNLINK);
          page.get(1).forEach(k -> del.arg(k.toString()));
          dropped += redis.send(del).await(30, TimeUnit.SECONDS).toLong();
        }
      } while (!"0".equals(cursor));
      return dropped;
    }
  }
}
