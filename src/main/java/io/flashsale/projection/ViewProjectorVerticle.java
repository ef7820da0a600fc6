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
import io.flashsale.outbox.OutboxEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Follows the catalog topics and keeps the Redis views up to date. Offsets are committed only after a batch is
 * applied; a batch that fails (PostgreSQL or Redis down) is retried with backoff, never skipped.
 */
public final class ViewProjectorVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ViewProjectorVerticle.class);

  private final AppConfig config;
  private Pool pool;
  private Redis redis;
  private KafkaConsumer<String, String> consumer;
  private ViewProjector projector;
  private boolean stopping;

  public ViewProjectorVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    PgConfig pg = PgConfig.from(config);
    pool = pg.pool(vertx, "pg-projector", 4);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    RedisKeys keys = RedisKeys.from(config);
    projector = new ViewProjector(new ViewMaterializer(new ViewBuilder(pool, keys), new ViewStore(redis, keys)));
    consumer = KafkaConsumer.create(vertx, KafkaConfig.from(config).consumer("view-projector"));
    consumer.exceptionHandler(err -> LOG.warn("projector consumer: {}", err.toString()));
    return consumer.subscribe(new HashSet<>(Topics.from(config).catalog())).onSuccess(v -> pollLoop());
  }

  private void pollLoop() {
    if (stopping) {
      return;
    }
    consumer.poll(Duration.ofMillis(200)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("projector poll failed: {}", ar.cause().toString());
        vertx.setTimer(500, id -> pollLoop());
        return;
      }
      apply(parse(ar.result()), 0);
    });
  }

  private void apply(List<OutboxEvent> events, int attempt) {
    if (stopping) {
      return;
    }
    if (events.isEmpty()) {
      pollLoop();
      return;
    }
    projector.project(events).onComplete(ar -> {
      if (ar.succeeded()) {
        // A failed commit only means these events may come again after a rebalance; rebuilding twice is harmless.
        consumer.commit().onComplete(c -> {
          if (c.failed()) {
            LOG.warn("projector offset commit failed: {}", c.cause().toString());
          }
          pollLoop();
        });
        return;
      }
      long delay = Math.min(5_000L, 100L << Math.min(attempt, 6));
      LOG.warn("projecting {} events failed (attempt {}), retrying in {} ms: {}", events.size(), attempt + 1, delay,
          ar.cause().toString());
      vertx.setTimer(delay, id -> apply(events, attempt + 1));
    });
  }

  private static List<OutboxEvent> parse(KafkaConsumerRecords<String, String> records) {
    List<OutboxEvent> events = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> r = records.recordAt(i);
      try {
        events.add(OutboxEvent.fromEnvelope(r.topic(), new JsonObject(r.value())));
      } catch (RuntimeException e) {
        LOG.error("skipping unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
      }
    }
    return events;
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return Future.join(consumer.close(), redis.close(), pool.close());
  }
}
