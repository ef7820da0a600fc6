package io.flashsale.order;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * The order saga's event-bus API, both ends in one place: {@link OrderRoutes} calls it, {@link OrderVerticle} reads
 * the same records. Failures come back as the {@code ApiException} the saga answered (a bus timeout is a 503).
 */
public final class OrderClient {

  /** Header on a place answer: "true" when the saga already stored the 201 under the request's key. */
  static final String ANSWER_STORED = "fs-answer-stored";

  /** Place an order from a held checkout; {@code idempotencyKey} lets the saga store its answer with the capture. */
  public record PlaceRequest(String userId, String checkoutId, String token, String idempotencyKey) {

    JsonObject toJson() {
      return new JsonObject().put("userId", userId).put("checkoutId", checkoutId).put("token", token)
          .put("idempotencyKey", idempotencyKey);
    }

    static PlaceRequest fromJson(JsonObject j) {
      return new PlaceRequest(j.getString("userId"), j.getString("checkoutId"), j.getString("token"),
          j.getString("idempotencyKey"));
    }
  }

  /** The saga's answer to a place: the order's JSON, and whether its 201 is already stored under the key. */
  public record Placed(JsonObject order, boolean answerStored) {
  }

  public record CancelRequest(String userId, String orderId) {

    JsonObject toJson() {
      return new JsonObject().put("userId", userId).put("orderId", orderId);
    }

    static CancelRequest fromJson(JsonObject j) {
      return new CancelRequest(j.getString("userId"), j.getString("orderId"));
    }
  }

  private final EventBus bus;
  private final DeliveryOptions options;

  public OrderClient(EventBus bus, OrdersConfig config) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(config.busTimeoutMillis());
  }

  public Future<Placed> place(PlaceRequest request) {
    return BusErrors.<JsonObject>request(bus, BusAddresses.ORDERS_PLACE, request.toJson(), options)
        .map(reply -> new Placed(reply.body(), "true".equals(reply.headers().get(ANSWER_STORED))));
  }

  /** The cancelled order's JSON (with its items). */
  public Future<JsonObject> cancel(CancelRequest request) {
    return BusErrors.<JsonObject>request(bus, BusAddresses.ORDERS_CANCEL, request.toJson(), options)
        .map(reply -> reply.body());
  }
}
