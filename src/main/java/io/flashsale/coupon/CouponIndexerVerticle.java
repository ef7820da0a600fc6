package io.flashsale.coupon;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaBatchConsumer;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;

import java.util.List;

/** Follows coupon, user and product events and keeps the coupon sets in Redis (see {@link CouponIndexer}). */
public final class CouponIndexerVerticle extends VerticleBase {

  private final AppConfig config;
  private Pool pool;
  private Redis redis;
  private KafkaBatchConsumer consumer;

  public CouponIndexerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-coupon-indexer", 2);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    Topics topics = Topics.from(config);
    CouponIndexer indexer = new CouponIndexer(pool, new CouponStore(pool, topics),
        new CouponIndex(redis, RedisKeys.from(config)));
    return KafkaBatchConsumer.start(vertx, KafkaConfig.from(config), "coupon-indexer",
        List.of(topics.coupons(), topics.users(), topics.products()), indexer::apply).onSuccess(c -> consumer = c);
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumer == null ? Future.succeededFuture() : consumer.stop(), redis.close(), pool.close());
  }
}
