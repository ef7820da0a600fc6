package io.flashsale.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * One job, one per process: keep holds and confirms moving. Every {@code inventory.sweepMillis} it expires holds past
 * their time and finishes confirms a crash left half-done; its start waits (at most 30 s) for the inventory to be
 * ready, i.e. rebuilt from PostgreSQL after a Redis loss or on a fresh Redis.
 */
public final class InventorySweepVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(InventorySweepVerticle.class);

  private final Inventory.Recipe recipe;
  private Inventory inventory;
  private boolean sweeping;
  private long sweepTimer;

  public InventorySweepVerticle(Inventory.Recipe recipe) {
    this.recipe = recipe;
  }

  @Override
  public Future<?> start() {
    inventory = recipe.build(vertx, ConfirmHook.NONE, 2);
    sweepTimer = vertx.setPeriodic(InventoryConfig.from(recipe.config()).sweepMillis(), id -> sweep());
    // A large catalog's rebuild must not time the deployment out: past 30 s it goes on behind the start (holds and
    // confirms of a product not rebuilt yet answer NOT_LOADED and wait for it anyway).
    Promise<Void> readyOrLater = Promise.promise();
    long later = vertx.setTimer(30_000, id -> {
      LOG.warn("inventory still rebuilding after 30 s; starting anyway, checkouts wait for it");
      readyOrLater.tryComplete();
    });
    inventory.recovery().ensureReady().onComplete(ar -> {
      vertx.cancelTimer(later);
      if (ar.failed()) {
        LOG.warn("inventory not ready at start ({}); will retry every second", ar.cause().toString());
      }
      readyOrLater.tryComplete();
    });
    return readyOrLater.future();
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    StockRecovery recovery = inventory.recovery();
    // At most 500 products a sweep: a 10,000-product catalog is covered every 20 sweeps (holds live minutes).
    recovery.ensureReady().compose(x -> recovery.sweep(500))
        .onFailure(err -> LOG.warn("inventory sweep: {}", err.toString()))
        .onComplete(x -> sweeping = false);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return inventory.closeAsync();
  }
}
