package io.flashsale.inventory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One job, one per process: every 10 s, measure drift — Redis available + held against PostgreSQL's quantity, in
 * units summed over products — and publish it as the gauge {@value #GAUGE} (the dashboard reads the gauge).
 */
public final class StockDriftVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StockDriftVerticle.class);

  public static final String GAUGE = "flashsale_stock_drift_units";

  private final Inventory.Recipe recipe;
  private final AtomicLong drift = new AtomicLong();
  private Inventory inventory;
  private long timer;
  private boolean measuring;
  private Gauge gauge;

  public StockDriftVerticle(Inventory.Recipe recipe) {
    this.recipe = recipe;
  }

  @Override
  public Future<?> start() {
    inventory = recipe.build(vertx, ConfirmHook.NONE, 1);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      // Held strongly and removed at stop: a redeployed verticle registers its own, not a dead one's.
      gauge = Gauge.builder(GAUGE, drift, AtomicLong::get).strongReference(true)
          .description("units by which Redis (available + held) differs from PostgreSQL, summed over products")
          .register(registry);
    }
    timer = vertx.setPeriodic(10_000, id -> measure());
    return Future.succeededFuture();
  }

  private void measure() {
    if (measuring) {
      return; // a slow scan is still running: skip this tick rather than queue scans on the pool
    }
    measuring = true;
    inventory.cache().snapshot().compose(redis -> inventory.ledger().quantities().map(pg -> {
      long units = 0;
      for (var e : pg.entrySet()) {
        long[] cached = redis.get(e.getKey());
        if (cached != null) {
          units += Math.abs(cached[0] + cached[1] - e.getValue());
        }
      }
      return units;
    })).onSuccess(drift::set)
        .onFailure(err -> LOG.warn("stock drift not measured, retried in 10 s: {}", err.toString()))
        .onComplete(x -> measuring = false);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null && gauge != null) {
      registry.remove(gauge);
    }
    return inventory.closeAsync();
  }
}
