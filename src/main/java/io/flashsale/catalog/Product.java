package io.flashsale.catalog;

import io.vertx.core.json.JsonObject;

/** A product of the write model; {@code version} is its view version. */
public record Product(String productId, String name, String brand, String category, long price, String imageUrl,
                      long version) {

  public JsonObject toJson() {
    return new JsonObject().put("productId", productId).put("name", name).put("brand", brand)
        .put("category", category).put("price", price).put("imageUrl", imageUrl).put("version", version);
  }
}
