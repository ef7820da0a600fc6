package io.flashsale.coupon;

import io.flashsale.http.ApiException;
import io.flashsale.http.JsonInput;
import io.vertx.core.json.JsonArray;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Validates coupon admin bodies (pure: no I/O). */
public final class CouponRequests {

  static final int MAX_TARGETS = 1000;
  static final int MAX_GRANTS = 10_000;

  private CouponRequests() {
  }

  public static Coupon coupon(String couponId, JsonInput in) {
    in.allowOnly(Set.of("name", "type", "value", "maxDiscount", "minPrice", "validFrom", "validTo", "target",
        "couponId"));
    String name = in.string("name", 200);
    String typeName = in.string("type", 16);
    Coupon.Type type;
    try {
      type = Coupon.Type.valueOf(typeName);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'type' must be FIXED or PERCENT", "type");
    }
    long value = type == Coupon.Type.PERCENT ? in.longIn("value", 1, 100) : in.longIn("value", 1, JsonInput.MAX_MONEY);
    Long maxDiscount = in.has("maxDiscount") ? in.longIn("maxDiscount", 1, JsonInput.MAX_MONEY) : null;
    long minPrice = in.has("minPrice") ? in.money("minPrice") : 0;
    Instant from = in.instant("validFrom");
    Instant to = in.instant("validTo");
    if (!to.isAfter(from)) {
      throw ApiException.badRequest("'validTo' must be after 'validFrom'", "validTo");
    }
    Coupon.Target target = new Coupon.Target(List.of(), List.of(), List.of(), List.of());
    if (in.has("target")) {
      JsonInput t = in.objectField("target").allowOnly(Set.of("grades", "brands", "categories", "productIds"));
      target = new Coupon.Target(strings(t, "grades", false), strings(t, "brands", false),
          strings(t, "categories", false), strings(t, "productIds", true));
    }
    return new Coupon(couponId, name, type, value, maxDiscount, minPrice, from, to, target, 0);
  }

  public static List<String> userIds(JsonInput in) {
    in.allowOnly(Set.of("userIds"));
    JsonArray raw = in.array("userIds", 1, MAX_GRANTS);
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      Object v = raw.getValue(i);
      if (!(v instanceof String s) || !JsonInput.ID.matcher(s).matches()) {
        throw ApiException.badRequest("'userIds[" + i + "]' must be a user id", "userIds[" + i + "]");
      }
      ids.add(s);
    }
    return new ArrayList<>(ids);
  }

  private static List<String> strings(JsonInput t, String field, boolean ids) {
    if (!t.has(field)) {
      return List.of();
    }
    JsonArray a = t.array(field, 0, MAX_TARGETS);
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (int i = 0; i < a.size(); i++) {
      Object v = a.getValue(i);
      if (!(v instanceof String s) || s.isBlank() || s.length() > 100
          || (ids && !JsonInput.ID.matcher(s).matches())) {
        throw ApiException.badRequest("'" + t.at(field) + "[" + i + "]' must be a non-blank string"
            + (ids ? " id" : ""), t.at(field) + "[" + i + "]");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

}
