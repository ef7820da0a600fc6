package io.flashsale.inventory;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns stock: answers hold and release requests on the event bus (one instance per process by default,
 * {@code inventory.instances}; each instance has its own clients and grouped statements, and the bus spreads requests
 * across them). Confirms go to the {@link ConfirmVerticle}.
 */
public final class InventoryVerticle extends VerticleBase {

  private final Inventory.Recipe recipe;
  private Inventory inventory;

  public InventoryVerticle(Inventory.Recipe recipe) {
    this.recipe = recipe;
  }

  @Override
  public Future<?> start() {
    inventory = recipe.build(vertx);
    InventoryService service = inventory.service();
    MessageConsumer<JsonObject> hold = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_HOLD, msg -> {
      InventoryClient.HoldRequest req = InventoryClient.HoldRequest.fromJson(msg.body());
      String checkoutId = req.checkoutId() == null ? InventoryService.newCheckoutId() : req.checkoutId();
      service.hold(checkoutId, req.userId(), req.items(), req.couponId(), req.discount())
          .onSuccess(c -> msg.reply(c.toBusJson())).onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<JsonObject> release = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RELEASE, msg -> {
      InventoryClient.ReleaseRequest req = InventoryClient.ReleaseRequest.fromJson(msg.body());
      Future<Void> done = req.compensation() ? service.compensate(req.userId(), req.checkoutId())
          : service.release(req.userId(), req.checkoutId());
      done.onSuccess(v -> msg.reply(new JsonObject())).onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<String> get = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_CHECKOUT, msg ->
        inventory.ledger().checkout(msg.body()).onSuccess(c -> msg.reply(c == null ? null : c.toBusJson()))
            .onFailure(err -> BusErrors.reply(msg, err)));
    MessageConsumer<String> reconcile = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RECONCILE, msg ->
        service.recovery().load(msg.body()).onSuccess(r -> msg.reply(r.driftUnits())).onFailure(err -> BusErrors.reply(msg, err)));
    MessageConsumer<JsonObject> restocked = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RESTOCKED, msg -> {
      InventoryClient.Restocked req = InventoryClient.Restocked.fromJson(msg.body());
      List<Future<?>> work = new ArrayList<>();
      for (InventoryClient.Restocked.Line item : req.items()) {
        work.add(service.recovery().load(item.productId()));
        if (item.eventId() != null) {
          work.add(inventory.cache().giveBackLimit(req.userId(), item.eventId(), item.productId(), item.quantity()));
        }
      }
      Future.all(work).onSuccess(x -> msg.reply(new JsonObject())).onFailure(err -> BusErrors.reply(msg, err));
    });
    return Future.all(List.of(hold.completion(), release.completion(), reconcile.completion(),
        restocked.completion(), get.completion()));
  }

  @Override
  public Future<?> stop() {
    return inventory.closeAsync();
  }
}
