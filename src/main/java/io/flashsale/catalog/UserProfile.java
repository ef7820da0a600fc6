package io.flashsale.catalog;

import io.vertx.core.json.JsonObject;

/** A shopper's membership grade (coupons target grades). */
public record UserProfile(String userId, String grade, long version) {

  public JsonObject toJson() {
    return new JsonObject().put("userId", userId).put("grade", grade).put("version", version);
  }
}
