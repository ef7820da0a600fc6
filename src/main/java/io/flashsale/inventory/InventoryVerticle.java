package io.flashsale.inventory;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.List;

/**
 * Owns stock: answers hold and release requests on the event bus (one instance per event loop, each with its own
 * clients; the bus spreads requests across them). Confirms go to the {@link ConfirmVerticle}.
 */
public final class InventoryVerticle extends VerticleBase {

  private final AppConfig config;
  private final SoldOutBoard board;
  private final Clock clock;
  private Inventory inventory;

  public InventoryVerticle(AppConfig config, SoldOutBoard board, Clock clock) {
    this.config = config;
    this.board = board;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    inventory = Inventory.create(vertx, config, board, clock);
    InventoryService service = inventory.service();
    MessageConsumer<JsonObject> hold = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_HOLD, msg -> {
      JsonObject req = msg.body();
      List<PricedItem> items = req.getJsonArray("items").stream()
          .map(o -> PricedItem.fromBusJson((JsonObject) o)).toList();
      String checkoutId = req.getString("checkoutId", InventoryService.newCheckoutId());
      service.hold(checkoutId, req.getString("userId"), items, req.getString("couponId"), req.getLong("discount", 0L))
          .onSuccess(c -> msg.reply(c.toBusJson())).onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<JsonObject> release = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RELEASE, msg -> {
      JsonObject req = msg.body();
      Future<Void> done = req.getBoolean("compensation", false)
          ? service.compensate(req.getString("userId"), req.getString("checkoutId"))
          : service.release(req.getString("userId"), req.getString("checkoutId"));
      done.onSuccess(v -> msg.reply(new JsonObject())).onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<String> get = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_CHECKOUT, msg ->
        inventory.ledger().checkout(msg.body()).onSuccess(c -> msg.reply(c == null ? null : c.toBusJson()))
            .onFailure(err -> BusErrors.reply(msg, err)));
    MessageConsumer<String> reconcile = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RECONCILE, msg ->
        service.recovery().load(msg.body()).onSuccess(r -> msg.reply(r.driftUnits())).onFailure(err -> BusErrors.reply(msg, err)));
    MessageConsumer<JsonObject> restocked = vertx.eventBus().localConsumer(BusAddresses.INVENTORY_RESTOCKED, msg -> {
      String userId = msg.body().getString("userId");
      List<Future<?>> work = new java.util.ArrayList<>();
      for (Object o : msg.body().getJsonArray("items")) {
        JsonObject item = (JsonObject) o;
        work.add(service.recovery().load(item.getString("productId")));
        if (item.getString("eventId") != null) {
          work.add(inventory.cache().giveBackLimit(userId, item.getString("eventId"), item.getString("productId"),
              item.getInteger("quantity")));
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
