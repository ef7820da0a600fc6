package io.flashsale.checkout;

import io.flashsale.http.ApiException;
import io.flashsale.http.JsonInput;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A shopper's {@code POST /api/checkouts} body, validated (pure: no I/O). */
public record CheckoutRequest(List<Line> items, String couponId, String eventId) {

  public static final int MAX_ITEMS = 20;
  public static final int MAX_QUANTITY = 1000;

  /** One line: a product and how many units. */
  public record Line(String productId, int quantity) {
  }

  public static CheckoutRequest parse(JsonInput in) {
    in.allowOnly(Set.of("items", "couponId", "eventId"));
    JsonArray raw = in.array("items", 1, MAX_ITEMS);
    List<Line> lines = new ArrayList<>(raw.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      JsonInput item = in.object(raw, i, "items");
      item.allowOnly(Set.of("productId", "quantity"));
      String productId = item.id("productId");
      if (!seen.add(productId)) {
        throw ApiException.badRequest("product '" + productId + "' appears twice in 'items'; send one line with the total",
            item.at("productId"));
      }
      lines.add(new Line(productId, item.intIn("quantity", 1, MAX_QUANTITY)));
    }
    String couponId = in.has("couponId") ? in.id("couponId") : null;
    String eventId = in.has("eventId") ? in.id("eventId") : null;
    return new CheckoutRequest(List.copyOf(lines), couponId, eventId);
  }
}
