package io.flashsale.inventory;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The inventory's event-bus API, both ends in one place: callers (checkout routes, the order saga, the admin API)
 * call the methods; {@link InventoryVerticle} and {@link ConfirmVerticle} read the same request records. Addresses,
 * field names and send timeouts live here only. Every failure comes back as the {@code ApiException} the inventory
 * answered (a bus timeout or a missing handler is a 503).
 */
public final class InventoryClient {

  /** Hold every item or none, under a caller-chosen checkout id (a coupon may be reserved for it). */
  public record HoldRequest(String checkoutId, String userId, List<PricedItem> items, String couponId, long discount) {

    JsonObject toJson() {
      JsonArray lines = new JsonArray();
      items.forEach(i -> lines.add(i.toBusJson()));
      return new JsonObject().put("checkoutId", checkoutId).put("userId", userId).put("items", lines)
          .put("couponId", couponId).put("discount", discount);
    }

    static HoldRequest fromJson(JsonObject j) {
      return new HoldRequest(j.getString("checkoutId"), j.getString("userId"), j.getJsonArray("items").stream()
          .map(o -> PricedItem.fromBusJson((JsonObject) o)).toList(), j.getString("couponId"), j.getLong("discount", 0L));
    }
  }

  /** Give a hold back: the owner's release, or the saga's compensation (which refuses a checkout already ordered). */
  public record ReleaseRequest(String userId, String checkoutId, boolean compensation) {

    JsonObject toJson() {
      return new JsonObject().put("userId", userId).put("checkoutId", checkoutId).put("compensation", compensation);
    }

    static ReleaseRequest fromJson(JsonObject j) {
      return new ReleaseRequest(j.getString("userId"), j.getString("checkoutId"), j.getBoolean("compensation", false));
    }
  }

  /** Confirm a checkout for an order, not started past {@code deadline} (epoch ms); {@code known} saves a read. */
  public record ConfirmRequest(String checkoutId, String orderId, String paymentId, long deadline, Checkout known) {

    JsonObject toJson() {
      JsonObject j = new JsonObject().put("checkoutId", checkoutId).put("orderId", orderId).put("paymentId", paymentId)
          .put("deadline", deadline);
      return known == null ? j : j.put("checkout", known.toBusJson());
    }

    static ConfirmRequest fromJson(JsonObject j) {
      JsonObject known = j.getJsonObject("checkout");
      return new ConfirmRequest(j.getString("checkoutId"), j.getString("orderId"), j.getString("paymentId"),
          j.getLong("deadline", Long.MAX_VALUE), known == null ? null : Checkout.fromBusJson(known));
    }
  }

  /** A cancelled order's units went back to PostgreSQL: Redis follows, and the shopper's limit is given back. */
  public record Restocked(String userId, List<Line> items) {

    /** One restocked line; {@code eventId} is null outside a sale (no limit to give back). */
    public record Line(String productId, int quantity, String eventId) {
    }

    JsonObject toJson() {
      JsonArray lines = new JsonArray();
      items.forEach(i -> lines.add(new JsonObject().put("productId", i.productId()).put("quantity", i.quantity())
          .put("eventId", i.eventId())));
      return new JsonObject().put("userId", userId).put("items", lines);
    }

    static Restocked fromJson(JsonObject j) {
      return new Restocked(j.getString("userId"), j.getJsonArray("items").stream().map(o -> (JsonObject) o)
          .map(i -> new Line(i.getString("productId"), i.getInteger("quantity"), i.getString("eventId"))).toList());
    }
  }

  static JsonObject toJson(StockConfirms.Confirmation c) {
    return c.checkout().toBusJson().put("orderConfirmed", c.orderConfirmed());
  }

  private final EventBus bus;
  private final DeliveryOptions requests;
  private final DeliveryOptions confirms;

  public InventoryClient(EventBus bus, InventoryConfig config) {
    this.bus = bus;
    this.requests = new DeliveryOptions().setSendTimeout(config.busTimeoutMillis());
    // The confirm carries its own deadline; the bus waits past it for the rolled-back answer of a late statement.
    this.confirms = new DeliveryOptions().setSendTimeout(config.confirmBusTimeoutMillis());
  }

  public Future<Checkout> hold(HoldRequest request) {
    return BusErrors.<JsonObject>request(bus, BusAddresses.INVENTORY_HOLD, request.toJson(), requests)
        .map(reply -> Checkout.fromBusJson(reply.body()));
  }

  /** The checkout as PostgreSQL has it, or null when there is none. */
  public Future<Checkout> checkout(String checkoutId) {
    return BusErrors.<JsonObject>request(bus, BusAddresses.INVENTORY_CHECKOUT, checkoutId, requests)
        .map(reply -> reply.body() == null ? null : Checkout.fromBusJson(reply.body()));
  }

  public Future<Void> release(ReleaseRequest request) {
    return BusErrors.request(bus, BusAddresses.INVENTORY_RELEASE, request.toJson(), requests).mapEmpty();
  }

  public Future<StockConfirms.Confirmation> confirm(ConfirmRequest request) {
    return BusErrors.<JsonObject>request(bus, BusAddresses.INVENTORY_CONFIRM, request.toJson(), confirms)
        .map(reply -> new StockConfirms.Confirmation(Checkout.fromBusJson(reply.body()),
            reply.body().getBoolean("orderConfirmed", false)));
  }

  public Future<Void> restocked(Restocked request) {
    return BusErrors.request(bus, BusAddresses.INVENTORY_RESTOCKED, request.toJson(), requests).mapEmpty();
  }

  /** Makes Redis follow PostgreSQL for one product within {@code timeoutMillis}; answers the units it was off by. */
  public Future<Long> reconcile(String productId, long timeoutMillis) {
    return BusErrors.<Long>request(bus, BusAddresses.INVENTORY_RECONCILE, productId,
        new DeliveryOptions().setSendTimeout(timeoutMillis)).map(reply -> reply.body());
  }
}
