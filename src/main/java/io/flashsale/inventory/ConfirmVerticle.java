package io.flashsale.inventory;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;


/**
 * Confirms checkouts (one instance per process): every confirm of a product in this process meets the others in one
 * place, so the confirms waiting at the same moment are group-committed — one Redlock, one transaction — instead of
 * contending for the product's lock from several event loops. The {@link ConfirmHook} it is given commits the orders
 * with their stock.
 */
public final class ConfirmVerticle extends VerticleBase {

  private final Inventory.Recipe recipe;
  private final ConfirmHook hook;
  private Inventory inventory;

  public ConfirmVerticle(Inventory.Recipe recipe, ConfirmHook hook) {
    this.recipe = recipe;
    this.hook = hook;
  }

  @Override
  public Future<?> start() {
    inventory = recipe.build(vertx, hook, 4);
    InventoryService service = inventory.service();
    MessageConsumer<JsonObject> confirm = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_CONFIRM, msg -> {
      InventoryClient.ConfirmRequest req = InventoryClient.ConfirmRequest.fromJson(msg.body());
      service.confirm(req.known(), req.checkoutId(), req.orderId(), req.paymentId(), req.deadline())
          .onSuccess(c -> msg.reply(InventoryClient.toJson(c)))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    return confirm.completion();
  }

  @Override
  public Future<?> stop() {
    return inventory.closeAsync();
  }
}
