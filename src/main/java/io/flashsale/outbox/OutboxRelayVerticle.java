package io.flashsale.outbox;

import io.flashsale.infra.LocalFigures;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.PgConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the {@link OutboxRelay}: woken by LISTEN/NOTIFY at every outbox insert, with a periodic sweep as the fallback,
 * and backing off while Kafka or PostgreSQL is down. Safe to run in every app instance. Two rounds start at least
 * {@code outbox.roundMillis} apart: under load every commit's NOTIFY would start a round of its own (measured
 * 2026-12-04: one round per confirm batch, ~10 rows each, five statements a round); wake-ups inside the interval wait
 * for its end and share one round, so a busy sale publishes bigger batches and an idle one is not delayed.
 */
public final class OutboxRelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayVerticle.class);
  private static final long MAX_BACKOFF_MS = 5_000;

  private final AppConfig config;
  private Pool pool;
  private KafkaProducer<String, String> producer;
  private PgSubscriber subscriber;
  private OutboxRelay relay;
  private boolean running;
  private boolean again;
  private long backoffMs;
  private long retryAt;
  private long roundMillis;
  private long lastRound;
  private long roundTimer = -1;
  private boolean measuring;
  private final AtomicLong backlog = new AtomicLong();
  private final AtomicLong oldestSeconds = new AtomicLong();
  private final List<Meter> meters = new ArrayList<>();

  public OutboxRelayVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    PgConfig pg = PgConfig.from(config);
    OutboxConfig settings = OutboxConfig.from(config);
    pool = pg.pool(vertx, "pg-outbox", 2);
    producer = KafkaProducer.create(vertx, KafkaConfig.from(config).producer("flashsale-outbox-relay"));
    relay = new OutboxRelay(pool, producer, settings.batchSize());
    roundMillis = settings.roundMillis();
    subscriber = PgSubscriber.subscriber(vertx, pg.connectOptions())
        .reconnectPolicy(attempt -> Math.min(5_000L, 200L * (attempt + 1)));
    subscriber.channel("outbox").handler(payload -> trigger());
    subscriber.connect().onFailure(err -> LOG.warn("outbox LISTEN not connected yet ({}); sweeping only", err.toString()));
    vertx.setPeriodic(settings.sweepMillis(), id -> trigger());
    trigger();
    registerGauges();
    vertx.setPeriodic(2_000, id -> measure());
    return Future.succeededFuture();
  }

  /** The backlog for /metrics and the dashboard; a failed read keeps the last figures (PostgreSQL's alarm fires). */
  private void measure() {
    if (measuring) {
      return;
    }
    measuring = true;
    // No client-side timeout: the flag clears when the query really ends, so probes never pile up on the relay's pool.
    pool.query(OutboxSql.BACKLOG).execute().onSuccess(rs -> {
      Row r = rs.iterator().next();
      backlog.set(r.getLong(0));
      oldestSeconds.set(r.getLong(1));
      vertx.sharedData().getLocalMap(LocalFigures.MAP).put(LocalFigures.OUTBOX, new JsonObject()
          .put("backlog", r.getLong(0)).put("oldestSeconds", r.getLong(1)));
    }).onFailure(err -> LOG.debug("outbox backlog not measured now: {}", err.toString()))
        .onComplete(x -> measuring = false);
  }

  private void registerGauges() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      // Held strongly and removed at stop: a redeployed verticle registers its own, not a dead one's.
      meters.add(Gauge.builder("flashsale_outbox_backlog", backlog, AtomicLong::get).strongReference(true)
          .description("outbox rows committed but not yet published to Kafka").register(registry));
      meters.add(Gauge.builder("flashsale_outbox_oldest_seconds", oldestSeconds, AtomicLong::get)
          .strongReference(true).description("age of the oldest outbox row not yet published").register(registry));
    }
  }

  private void trigger() {
    if (running) {
      again = true;
      return;
    }
    long now = System.currentTimeMillis();
    if (now < retryAt) {
      return;
    }
    long wait = lastRound + roundMillis - now;
    if (wait > 0) {
      if (roundTimer < 0) {
        roundTimer = vertx.setTimer(wait, id -> {
          roundTimer = -1;
          trigger();
        });
      }
      return;
    }
    running = true;
    again = false;
    lastRound = now;
    relay.drain().onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        backoffMs = backoffMs == 0 ? 250 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        retryAt = System.currentTimeMillis() + backoffMs;
        LOG.warn("outbox relay failed, rows wait and are retried in {} ms: {}", backoffMs, ar.cause().toString());
        vertx.setTimer(backoffMs, id -> trigger());
        return;
      }
      if (backoffMs > 0) {
        LOG.info("outbox relay recovered");
      }
      backoffMs = 0;
      retryAt = 0;
      if (again) {
        trigger();
      }
    });
  }

  @Override
  public Future<?> stop() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      meters.forEach(registry::remove);
    }
    return Future.join(subscriber.close(), producer.close(2000), pool.close());
  }
}
