package io.flashsale.inventory;

import io.vertx.core.json.JsonObject;

/**
 * A checkout line with its price decided: the event's sale price and per-user limit while the product is in an open
 * event ({@code eventId} set), else the list price and no limit ({@code limitPerUser} 0).
 */
public record PricedItem(String productId, int quantity, long unitPrice, String eventId, int limitPerUser) {

  public JsonObject toJson() {
    return new JsonObject().put("productId", productId).put("quantity", quantity).put("unitPrice", unitPrice);
  }

  public JsonObject toBusJson() {
    return toJson().put("eventId", eventId).put("limitPerUser", limitPerUser);
  }

  public static PricedItem fromBusJson(JsonObject j) {
    return new PricedItem(j.getString("productId"), j.getInteger("quantity"), j.getLong("unitPrice"),
        j.getString("eventId"), j.getInteger("limitPerUser", 0));
  }
}
