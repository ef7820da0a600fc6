package io.flashsale.inventory;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaBatchConsumer;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The inventory's background work, one per process: expires holds (every second), finishes confirms a crash left
 * half-done, rebuilds the inventory when Redis lost its data, applies admin stock changes from Kafka to Redis, and
 * measures drift (Redis available + held versus PostgreSQL quantity) as the gauge {@code flashsale_stock_drift_units}.
 */
public final class InventoryMaintenanceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(InventoryMaintenanceVerticle.class);
  private static final AtomicLong DRIFT = new AtomicLong();

  private final AppConfig config;
  private final SoldOutBoard board;
  private Inventory inventory;
  private KafkaBatchConsumer stockChanges;
  private boolean sweeping;
  private long sweepTimer;
  private long driftTimer;

  /** The last measured drift (units, summed over products). */
  public static long drift() {
    return DRIFT.get();
  }

  public InventoryMaintenanceVerticle(AppConfig config, SoldOutBoard board) {
    this.config = config;
    this.board = board;
  }

  @Override
  public Future<?> start() {
    inventory = Inventory.create(vertx, config, board, Clock.systemUTC());
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      Gauge.builder("flashsale_stock_drift_units", DRIFT, AtomicLong::get)
          .description("units by which Redis (available + held) differs from PostgreSQL, summed over products")
          .register(registry);
    }
    InventoryService service = inventory.service();
    sweepTimer = vertx.setPeriodic(InventoryConfig.from(config).sweepMillis(), id -> tick());
    driftTimer = vertx.setPeriodic(10_000, id -> measureDrift());
    // The start waits for the rebuild (after a Redis loss, or on a fresh Redis) — but at most 30 s: a large catalog
    // must not time the deployment out; past that it goes on behind the start (holds and confirms wait for the
    // sentinel anyway).
    io.vertx.core.Promise<Void> readyOrLater = io.vertx.core.Promise.promise();
    long later = vertx.setTimer(30_000, id -> {
      LOG.warn("inventory still rebuilding after 30 s; starting anyway, checkouts wait for it");
      readyOrLater.tryComplete();
    });
    service.ensureReady().onComplete(ar -> {
      vertx.cancelTimer(later);
      if (ar.failed()) {
        LOG.warn("inventory not ready at start ({}); will retry every second", ar.cause().toString());
      }
      readyOrLater.tryComplete();
    });
    return readyOrLater.future()
        .compose(x -> KafkaBatchConsumer.start(vertx, KafkaConfig.from(config), "inventory-stock",
            List.of(Topics.from(config).products()), this::applyStockChanges))
        .onSuccess(c -> stockChanges = c);
  }

  private void tick() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    InventoryService service = inventory.service();
    service.ensureReady().compose(x -> service.sweepExpired(1000)).compose(x -> service.recoverStaleConfirms())
        .onFailure(err -> LOG.warn("inventory maintenance: {}", err.toString()))
        .onComplete(x -> sweeping = false);
  }

  /** An admin set a product's stock in PostgreSQL: Redis follows (idempotent: it re-reads the truth). */
  private Future<?> applyStockChanges(List<OutboxEvent> events) {
    Set<String> products = new LinkedHashSet<>();
    for (OutboxEvent e : events) {
      if (CatalogStore.STOCK_SET.equals(e.type()) || CatalogStore.PRODUCT_UPSERTED.equals(e.type())) {
        products.add(e.aggregateId());
      }
    }
    return products.isEmpty() ? Future.succeededFuture()
        : inventory.service().ensureReady().compose(x -> inventory.service().reconcile(List.copyOf(products)));
  }

  private void measureDrift() {
    inventory.cache().snapshot().compose(redis -> inventory.ledger().pool()
        .query("select product_id, quantity from stock").execute().map(rows -> {
          long drift = 0;
          for (var r : rows) {
            long[] cached = redis.get(r.getString(0));
            if (cached != null) {
              drift += Math.abs(cached[0] + cached[1] - r.getLong(1));
            }
          }
          return drift;
        })).onSuccess(DRIFT::set);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(driftTimer);
    return Future.join(stockChanges == null ? Future.succeededFuture() : stockChanges.stop(), inventory.closeAsync());
  }
}
