package io.flashsale.coupon;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/** A coupon definition (API.md): what it takes off, when, for whom, on what. */
public record Coupon(String couponId, String name, Type type, long value, Long maxDiscount, long minPrice,
                    Instant validFrom, Instant validTo, Target target, long version) {

  /** FIXED takes {@code value} won off; PERCENT takes {@code value} percent, capped by {@code maxDiscount}. */
  public enum Type { FIXED, PERCENT }

  /** Each non-empty list must match; an empty list matches everything. */
  public record Target(List<String> grades, List<String> brands, List<String> categories, List<String> productIds) {

    /** True when the product-side lists are all empty: the coupon can apply to any product. */
    public boolean anyProduct() {
      return brands.isEmpty() && categories.isEmpty() && productIds.isEmpty();
    }

    public JsonObject toJson() {
      return new JsonObject().put("grades", new JsonArray(grades)).put("brands", new JsonArray(brands))
          .put("categories", new JsonArray(categories)).put("productIds", new JsonArray(productIds));
    }

    static Target fromJson(JsonObject j) {
      return new Target(list(j, "grades"), list(j, "brands"), list(j, "categories"), list(j, "productIds"));
    }

    private static List<String> list(JsonObject j, String field) {
      JsonArray a = j == null ? null : j.getJsonArray(field);
      return a == null ? List.of() : a.stream().map(String::valueOf).toList();
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("couponId", couponId).put("name", name).put("type", type.name()).put("value", value)
        .put("maxDiscount", maxDiscount).put("minPrice", minPrice).put("validFrom", validFrom.toString())
        .put("validTo", validTo.toString()).put("target", target.toJson()).put("version", version);
  }

  public static Coupon fromJson(JsonObject j) {
    return new Coupon(j.getString("couponId"), j.getString("name"), Type.valueOf(j.getString("type")),
        j.getLong("value"), j.getLong("maxDiscount"), j.getLong("minPrice", 0L), Instant.parse(j.getString("validFrom")),
        Instant.parse(j.getString("validTo")), Target.fromJson(j.getJsonObject("target")), j.getLong("version", 0L));
  }
}
