package io.flashsale.inventory;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/** A checkout: the order sheet a shopper entered, whose items are held until {@code expiresAt}. */
public record Checkout(String checkoutId, String userId, List<PricedItem> items, long subtotal, long discount,
                       long total, String couponId, Instant expiresAt, String status) {

  public static final String HELD = "HELD";
  public static final String CONFIRMED = "CONFIRMED";
  public static final String RELEASED = "RELEASED";
  public static final String EXPIRED = "EXPIRED";

  public static Checkout create(String checkoutId, String userId, List<PricedItem> items, String couponId,
                                long discount, Instant expiresAt) {
    long subtotal = items.stream().mapToLong(i -> Math.multiplyExact(i.unitPrice(), (long) i.quantity())).sum();
    return new Checkout(checkoutId, userId, List.copyOf(items), subtotal, discount, subtotal - discount, couponId,
        expiresAt, HELD);
  }

  /** The API.md response body. */
  public JsonObject toJson() {
    JsonArray lines = new JsonArray();
    items.forEach(i -> lines.add(i.toJson()));
    return new JsonObject().put("checkoutId", checkoutId).put("userId", userId).put("items", lines)
        .put("subtotal", subtotal).put("discount", discount).put("total", total).put("couponId", couponId)
        .put("expiresAt", expiresAt.toString());
  }

  public JsonObject toBusJson() {
    JsonArray lines = new JsonArray();
    items.forEach(i -> lines.add(i.toBusJson()));
    return toJson().put("items", lines).put("status", status);
  }

  public static Checkout fromBusJson(JsonObject j) {
    List<PricedItem> items = j.getJsonArray("items").stream().map(o -> PricedItem.fromBusJson((JsonObject) o)).toList();
    return new Checkout(j.getString("checkoutId"), j.getString("userId"), items, j.getLong("subtotal"),
        j.getLong("discount"), j.getLong("total"), j.getString("couponId"), Instant.parse(j.getString("expiresAt")),
        j.getString("status", HELD));
  }

  /** The checkout's products, in its item order. */
  public List<String> productIds() {
    return items.stream().map(PricedItem::productId).toList();
  }
}
