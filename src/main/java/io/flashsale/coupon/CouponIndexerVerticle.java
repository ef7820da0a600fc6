package io.flashsale.coupon;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.KafkaBatchConsumer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;

import java.util.List;

/** Follows coupon and user events and keeps the coupon sets in Redis (see {@link CouponIndexer}). */
public final class CouponIndexerVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CouponIndexerVerticle.class);

  private final AppConfig config;
  private Pool pool;
  private Redis redis;
  private KafkaBatchConsumer consumer;
  private CouponIndex index;
  private CouponIndexer indexer;
  private long healTimer;
  private boolean healing;

  public CouponIndexerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-coupon-indexer", 2);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    Topics topics = Topics.from(config);
    index = new CouponIndex(redis, RedisKeys.from(config));
    indexer = new CouponIndexer(pool, new CouponStore(pool, topics), index);
    healTimer = vertx.setPeriodic(1_000, id -> healIfLost());
    healIfLost();
    return KafkaBatchConsumer.start(vertx, KafkaConfig.from(config), "coupon-indexer",
        List.of(topics.coupons(), topics.users()), indexer::apply).onSuccess(c -> consumer = c);
  }

  /**
   * Self-healing: when any ready mark is missing (Redis lost some of its data, or this is the first start), one
   * process — the holder of the rebuild lock — rebuilds every set from PostgreSQL and sets the marks again; lookups
   * whose marks are gone answer 503 meanwhile.
   */
  private void healIfLost() {
    if (healing) {
      return;
    }
    healing = true;
    index.isReady().compose(ready -> ready ? Future.<Void>succeededFuture() : index.tryRebuildLock(60_000)
        .compose(token -> token == null ? Future.<Void>succeededFuture() : index.isReady()
            .compose(again -> again ? Future.<Void>succeededFuture() : rebuild())
            .eventually(() -> index.dropRebuildLock(token))))
        .onFailure(err -> LOG.warn("coupon index rebuild failed, retried in a second: {}", err.toString()))
        .onComplete(x -> healing = false);
  }

  private Future<Void> rebuild() {
    long started = System.nanoTime();
    return indexer.reindexAll(n -> { }).compose(counts -> index.markReady().onSuccess(x -> LOG.info(
        "coupon index rebuilt from PostgreSQL: {} coupons, {} unused grants, {} grades in {} ms", counts[0], counts[1],
        counts[2], (System.nanoTime() - started) / 1_000_000)));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(healTimer);
    return Future.join(consumer == null ? Future.succeededFuture() : consumer.stop(), redis.close(), pool.close());
  }
}
