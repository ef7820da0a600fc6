package io.flashsale.order;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/** An order as stored: its status, how far its saga got, its payment, items and history. */
public record Order(String orderId, String checkoutId, String userId, String status, String sagaStep,
                    String paymentId, String paymentStatus, String failureCode, List<Item> items, long subtotal,
                    long discount, long total, String couponId, Instant createdAt, List<HistoryEntry> history) {

  public static final String PENDING = "PENDING";
  public static final String CONFIRMED = "CONFIRMED";
  public static final String CANCELLED = "CANCELLED";
  public static final String FAILED = "FAILED";

  /** A line of the order: what was sold, at what unit price, in which event. */
  public record Item(String productId, int quantity, long unitPrice, String eventId) {
    JsonObject toJson() {
      return new JsonObject().put("productId", productId).put("quantity", quantity).put("unitPrice", unitPrice);
    }
  }

  /** A status the order went through, and when. */
  public record HistoryEntry(String status, Instant at) {
  }

  /** This PENDING order as the transaction that confirmed it made it, with its authorised payment. */
  public Order confirmed(String confirmedPaymentId) {
    return new Order(orderId, checkoutId, userId, CONFIRMED, SagaStep.DONE, confirmedPaymentId, "AUTHORIZED",
        failureCode, items, subtotal, discount, total, couponId, createdAt, history);
  }

  /** The same order with the provider's latest word on its payment. */
  public Order withPayment(String newPaymentStatus) {
    return new Order(orderId, checkoutId, userId, status, sagaStep, paymentId, newPaymentStatus, failureCode, items,
        subtotal, discount, total, couponId, createdAt, history);
  }

  /** The API.md body: {@code withHistory} for GET, without for the 201 of POST. */
  public JsonObject toJson(boolean withHistory) {
    JsonArray lines = new JsonArray();
    items.forEach(i -> lines.add(i.toJson()));
    JsonObject json = new JsonObject().put("orderId", orderId).put("checkoutId", checkoutId).put("userId", userId)
        .put("status", status).put("items", lines).put("subtotal", subtotal).put("discount", discount)
        .put("total", total).put("couponId", couponId).put("createdAt", createdAt.toString())
        .put("paymentStatus", paymentStatus);
    if (failureCode != null) {
      json.put("failureCode", failureCode);
    }
    if (withHistory) {
      JsonArray h = new JsonArray();
      history.forEach(e -> h.add(new JsonObject().put("status", e.status()).put("at", e.at().toString())));
      json.put("history", h);
    }
    return json;
  }
}
