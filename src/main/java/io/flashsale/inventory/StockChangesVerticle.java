package io.flashsale.inventory;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.KafkaBatchConsumer;
import io.flashsale.outbox.OutboxEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One job, one per process: Redis follows an admin's stock changes. It consumes the products topic (group
 * {@code inventory-stock}) and reconciles each changed product from PostgreSQL, which is idempotent.
 */
public final class StockChangesVerticle extends VerticleBase {

  private final Inventory.Recipe recipe;
  private Inventory inventory;
  private KafkaBatchConsumer stockChanges;

  public StockChangesVerticle(Inventory.Recipe recipe) {
    this.recipe = recipe;
  }

  @Override
  public Future<?> start() {
    inventory = recipe.build(vertx, ConfirmHook.NONE, 2);
    return KafkaBatchConsumer.start(vertx, KafkaConfig.from(recipe.config()), "inventory-stock",
        List.of(Topics.from(recipe.config()).products()), this::apply).onSuccess(c -> stockChanges = c);
  }

  private Future<?> apply(List<OutboxEvent> events) {
    Set<String> products = new LinkedHashSet<>();
    for (OutboxEvent e : events) {
      if (CatalogStore.STOCK_SET.equals(e.type()) || CatalogStore.PRODUCT_UPSERTED.equals(e.type())) {
        products.add(e.aggregateId());
      }
    }
    StockRecovery recovery = inventory.recovery();
    return products.isEmpty() ? Future.succeededFuture()
        : recovery.ensureReady().compose(x -> recovery.reconcile(List.copyOf(products)));
  }

  @Override
  public Future<?> stop() {
    return Future.join(stockChanges == null ? Future.succeededFuture() : stockChanges.stop(), inventory.closeAsync());
  }
}
