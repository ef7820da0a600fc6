package io.flashsale.inventory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One job, one per process: every 10 s, measure drift — Redis available + held against PostgreSQL's quantity, in
 * units summed over products — and publish it as the gauge {@value #GAUGE} (the dashboard reads the gauge).
 */
public final class StockDriftVerticle extends VerticleBase {

  public static final String GAUGE = "flashsale_stock_drift_units";

  private final Inventory.Recipe recipe;
  private final AtomicLong drift = new AtomicLong();
  private Inventory inventory;
  private long timer;
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
    inventory.cache().snapshot().compose(redis -> inventory.ledger().quantities().map(pg -> {
      long units = 0;
      for (var e : pg.entrySet()) {
        long[] cached = redis.get(e.getKey());
        if (cached != null) {
          units += Math.abs(cached[0] + cached[1] - e.getValue());
        }
      }
      return units;
    })).onSuccess(drift::set);
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
