package io.flashsale.projection;

import io.flashsale.display.ViewBuilder;
import io.flashsale.display.ViewMaterializer;
import io.flashsale.display.ViewStore;
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

/** Follows the catalog topics and keeps the Redis views up to date (see {@link ViewProjector}). */
public final class ViewProjectorVerticle extends VerticleBase {

  private final AppConfig config;
  private Pool pool;
  private Redis redis;
  private KafkaBatchConsumer consumer;

  public ViewProjectorVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    PgConfig pg = PgConfig.from(config);
    pool = pg.pool(vertx, "pg-projector", 4);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    RedisKeys keys = RedisKeys.from(config);
    ViewProjector projector = new ViewProjector(new ViewMaterializer(new ViewBuilder(pool, keys),
        new ViewStore(redis, keys)));
    return KafkaBatchConsumer.start(vertx, KafkaConfig.from(config), "view-projector", Topics.from(config).catalog(),
        projector::project).onSuccess(c -> consumer = c);
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumer == null ? Future.succeededFuture() : consumer.stop(), redis.close(), pool.close());
  }
}
