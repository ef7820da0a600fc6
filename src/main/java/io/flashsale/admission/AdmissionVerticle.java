package io.flashsale.admission;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.PipelinedRedis;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * One job, one per process: keep the waiting rooms moving. Every {@code queue.refreshMillis} it reads the rooms from
 * PostgreSQL into the process's {@link QueueRegistry} and into Redis (only when newer) and measures their figures;
 * every {@code queue.tickMillis} it asks each open room to admit what its pace allows (the pace lives in Redis, so
 * every instance ticking changes nothing about it) and tells it whether its event is sold out.
 */
public final class AdmissionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionVerticle.class);
  /** Most admissions one tick of one room makes (a tick is 100 ms: 60,000 a minute per instance). */
  private static final int MAX_PER_TICK = 10_000;
  /** The sold-out check reads every product of the room: every fifth tick is "at once" for a waiting shopper. */
  private static final int SOLD_OUT_EVERY_TICKS = 5;
  /** A request that never answers (a half-open connection) must not stop the rooms for good. */
  private static final long REFRESH_TIMEOUT_MILLIS = 10_000;
  private static final long TICK_TIMEOUT_MILLIS = 2_000;

  private final AppConfig config;
  private final QueueRegistry registry;
  private final Clock clock;
  private final List<Meter> meters = new ArrayList<>();
  private final Set<String> metered = new HashSet<>();
  private Pool pool;
  private Redis redis;
  private PipelinedRedis lanes;
  private WaitingRoom rooms;
  private Counter admissions;
  private long refreshTimer;
  private long tickTimer;
  private long ticks;
  private boolean refreshing;
  private boolean ticking;

  public AdmissionVerticle(AppConfig config, QueueRegistry registry, Clock clock) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    AdmissionConfig settings = AdmissionConfig.from(config);
    pool = PgConfig.from(config).pool(vertx, "pg-admission", 1);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    lanes = new PipelinedRedis(vertx, redis, 1);
    rooms = new WaitingRoom(lanes::send, RedisKeys.from(config), new SecureRandom(), true);
    MeterRegistry metrics = BackendRegistries.getDefaultNow();
    if (metrics != null) {
      admissions = Counter.builder("flashsale_queue_admissions").description("shoppers this process let out of a"
          + " waiting room").register(metrics);
    }
    refreshTimer = vertx.setPeriodic(settings.refreshMillis(), id -> refresh());
    tickTimer = vertx.setPeriodic(settings.tickMillis(), id -> tick());
    // Checkout must know the guarded events before the first shopper arrives; without PostgreSQL yet, the next
    // refresh brings them.
    return refresh().recover(err -> {
      LOG.warn("waiting rooms not read at start ({}); retried every {} ms", err.toString(), settings.refreshMillis());
      return Future.succeededFuture();
    });
  }

  private Future<Void> refresh() {
    if (refreshing) {
      return Future.succeededFuture();
    }
    refreshing = true;
    long now = clock.millis();
    return pool.query(QueueSql.ROOMS).execute().compose(rows -> {
      List<Future<?>> syncs = new ArrayList<>();
      Set<String> ids = new HashSet<>();
      for (Row row : rows) {
        QueueRegistry.Room room = Rooms.from(row);
        ids.add(room.eventId());
        registry.put(room);
        syncs.add(rooms.sync(room, now).compose(x -> room.enabled() ? rooms.figures(room.eventId(), now)
            .onSuccess(f -> registry.putFigures(room.eventId(), f)).mapEmpty() : Future.succeededFuture()));
        meter(room.eventId());
      }
      registry.retainOnly(ids);
      registry.markLoaded();
      return Future.join(syncs).<Void>mapEmpty();
    }).timeout(REFRESH_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).onFailure(err -> LOG.warn("waiting rooms not refreshed: {}", err.toString()))
        .onComplete(x -> refreshing = false);
  }

  private void tick() {
    if (ticking) {
      return; // a slow Redis: skip this tick rather than queue ticks (the pace catches up by itself, within 1 s)
    }
    ticking = true;
    Instant now = clock.instant();
    boolean checkSoldOut = ticks++ % SOLD_OUT_EVERY_TICKS == 0;
    List<Future<?>> work = new ArrayList<>();
    for (QueueRegistry.Room room : registry.rooms()) {
      if (!room.enabled() || now.isBefore(room.startsAt()) || !now.isBefore(room.endsAt())) {
        continue;
      }
      Future<Boolean> soldOut = checkSoldOut ? rooms.soldOut(room.productIds()) : Future.succeededFuture(null);
      work.add(soldOut.compose(s -> rooms.admit(room.eventId(), clock.millis(), MAX_PER_TICK, s)).onSuccess(r -> {
        if (admissions != null && r[0] > 0) {
          admissions.increment(r[0]);
        }
      }));
    }
    Future.join(work).timeout(TICK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).onFailure(err -> LOG.warn("waiting rooms not ticked: {}", err.toString()))
        .onComplete(x -> ticking = false);
  }

  private void meter(String eventId) {
    MeterRegistry metrics = BackendRegistries.getDefaultNow();
    if (metrics == null || !metered.add(eventId)) {
      return;
    }
    gauge(metrics, "flashsale_queue_waiting", eventId, "shoppers in the event's line", f -> f.waiting());
    gauge(metrics, "flashsale_queue_active", eventId, "live admission tokens", f -> f.active());
    gauge(metrics, "flashsale_queue_admitted_last_minute", eventId, "admissions in the last minute",
        f -> f.admittedLastMinute());
    meters.add(Gauge.builder("flashsale_queue_estimated_wait_seconds", registry, r -> {
      QueueRegistry.Figures f = r.figures(eventId);
      QueueRegistry.Room room = r.room(eventId);
      return f == null || room == null || !room.enabled() ? 0
          : QueueMath.estimatedWaitSeconds(f.waiting(), room.settings().admitPerMinute());
    }).tag("event", eventId).description("how long the last in line waits at the configured pace")
        .strongReference(true).register(metrics));
  }

  private void gauge(MeterRegistry metrics, String name, String eventId, String help,
                     ToDoubleFunction<QueueRegistry.Figures> value) {
    meters.add(Gauge.builder(name, registry, r -> {
      QueueRegistry.Figures f = r.figures(eventId);
      return f == null ? 0 : value.applyAsDouble(f);
    }).tag("event", eventId).description(help).strongReference(true).register(metrics));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(refreshTimer);
    vertx.cancelTimer(tickTimer);
    MeterRegistry metrics = BackendRegistries.getDefaultNow();
    if (metrics != null) {
      meters.forEach(metrics::remove);
      if (admissions != null) {
        metrics.remove(admissions);
      }
    }
    return Future.join(lanes.close(), redis.close(), pool.close());
  }
}
