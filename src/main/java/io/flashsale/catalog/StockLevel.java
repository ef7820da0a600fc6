package io.flashsale.catalog;

import io.vertx.core.json.JsonObject;

/** The sellable stock of a product in PostgreSQL; {@code version} is the fencing token of every decrement. */
public record StockLevel(String productId, long quantity, long version) {

  public JsonObject toJson() {
    return new JsonObject().put("productId", productId).put("quantity", quantity).put("version", version);
  }
}
