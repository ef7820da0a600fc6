package io.flashsale.fanout;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.List;

/** Runs the fan-out consumers of order events: points, notifications and sales statistics. */
public final class FanoutVerticle extends VerticleBase {

  public static final String POINTS = "points";
  public static final String NOTIFICATIONS = "notifications";
  public static final String SALES_STATS = "sales-stats";
  /** Every fan-out consumer, by name (the {@code --consumer} of {@code dlq list|replay}). */
  public static final java.util.List<String> CONSUMERS = java.util.List.of(POINTS, NOTIFICATIONS, SALES_STATS);

  private final AppConfig config;
  private final List<IdempotentConsumer> consumers = new ArrayList<>();
  private Pool pool;
  private Redis redis;

  public FanoutVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-fanout", 4);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    KafkaConfig kafka = KafkaConfig.from(config);
    Topics topics = Topics.from(config);
    RedisKeys keys = RedisKeys.from(config);
    FanoutConfig settings = FanoutConfig.from(config);
    int attempts = settings.maxAttempts();
    long backoff = settings.retryBackoffMillis();
    List<String> orders = List.of(topics.orders());
    return Future.all(
        IdempotentConsumer.start(vertx, kafka, topics, POINTS, orders, attempts, backoff,
            FanoutEffects.points(pool)).onSuccess(consumers::add),
        IdempotentConsumer.start(vertx, kafka, topics, NOTIFICATIONS, orders, attempts, backoff,
            FanoutEffects.notifications(pool)).onSuccess(consumers::add),
        IdempotentConsumer.start(vertx, kafka, topics, SALES_STATS, orders, attempts, backoff,
            FanoutEffects.salesStats(redis, keys)).onSuccess(consumers::add));
  }

  @Override
  public Future<?> stop() {
    List<Future<?>> closing = new ArrayList<>();
    consumers.forEach(c -> closing.add(c.stop()));
    closing.add(redis.close());
    closing.add(pool.close());
    return Future.join(closing);
  }
}
