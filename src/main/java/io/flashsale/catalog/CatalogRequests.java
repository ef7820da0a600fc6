package io.flashsale.catalog;

import io.flashsale.http.ApiException;
import io.flashsale.http.JsonInput;
import io.vertx.core.json.JsonArray;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates admin request bodies into write-model values (pure: no I/O). */
public final class CatalogRequests {

  static final int MAX_EVENT_ITEMS = 10_000;
  static final Pattern GRADE = Pattern.compile("[A-Z][A-Z0-9_]{0,31}");
  /** 24 bits is ~16M hashes: seconds in a browser; more would lock out phones. */
  static final int MAX_POW_BITS = 24;
  private static final Duration MAX_EVENT_LENGTH = Duration.ofDays(366);

  private CatalogRequests() {
  }

  public static Product product(String productId, JsonInput in) {
    in.allowOnly(Set.of("name", "brand", "category", "price", "imageUrl", "productId"));
    checkPathId(in, "productId", productId);
    String imageUrl = in.optionalString("imageUrl", 2048, "");
    if (!imageUrl.isEmpty() && !(imageUrl.startsWith("https://") || imageUrl.startsWith("http://")
        || imageUrl.startsWith("/"))) {
      throw ApiException.badRequest("'imageUrl' must be an http(s) URL or an absolute path", "imageUrl");
    }
    return new Product(productId, in.string("name", 200), in.string("brand", 100), in.string("category", 100),
        in.money("price"), imageUrl, 0);
  }

  public static long stockQuantity(JsonInput in) {
    in.allowOnly(Set.of("quantity"));
    return in.longIn("quantity", 0, 100_000_000);
  }

  /** The body of {@code POST .../stock/adjust}: a non-zero whole number of units to add (negative takes). */
  public static long stockDelta(JsonInput in) {
    in.allowOnly(Set.of("delta"));
    long delta = in.longIn("delta", -100_000_000, 100_000_000);
    if (delta == 0) {
      throw ApiException.badRequest("'delta' must not be 0", "delta");
    }
    return delta;
  }

  /** {@code If-Match: "17"} (or {@code 17}, or a weak tag) → 17; absent → null; anything else → 400. */
  public static Long ifMatchVersion(String header) {
    if (header == null) {
      return null;
    }
    String v = header.trim();
    if (v.startsWith("W/")) {
      v = v.substring(2);
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (!v.matches("[0-9]{1,18}")) {
      throw ApiException.badRequest("If-Match must be the stock's version, e.g. \"17\"", "If-Match");
    }
    return Long.parseLong(v);
  }

  public static SaleEvent event(String eventId, JsonInput in) {
    in.allowOnly(Set.of("title", "startsAt", "endsAt", "items", "eventId", "queue"));
    checkPathId(in, "eventId", eventId);
    String title = in.string("title", 200);
    Instant startsAt = in.instant("startsAt");
    Instant endsAt = in.instant("endsAt");
    if (!endsAt.isAfter(startsAt)) {
      throw ApiException.badRequest("'endsAt' must be after 'startsAt'", "endsAt");
    }
    if (Duration.between(startsAt, endsAt).compareTo(MAX_EVENT_LENGTH) > 0) {
      throw ApiException.badRequest("an event may last at most 366 days", "endsAt");
    }
    JsonArray raw = in.array("items", 0, MAX_EVENT_ITEMS);
    List<SaleEvent.Item> items = new ArrayList<>(raw.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < raw.size(); i++) {
      JsonInput item = in.object(raw, i, "items");
      item.allowOnly(Set.of("productId", "salePrice", "limitPerUser"));
      String productId = item.id("productId");
      if (!seen.add(productId)) {
        throw ApiException.badRequest("product '" + productId + "' appears twice in 'items'", item.at("productId"));
      }
      items.add(new SaleEvent.Item(productId, item.money("salePrice"), item.intIn("limitPerUser", 1, 1000)));
    }
    // Absent keeps the stored room; null switches it off (as {"enabled": false} does).
    SaleEvent.Queue queue = in.has("queue") ? queue(in.objectField("queue"))
        : in.present("queue") ? SaleEvent.Queue.DEFAULTS.off() : null;
    return new SaleEvent(eventId, title, startsAt, endsAt, List.copyOf(items), 0, queue);
  }

  /** An event's waiting room; absent fields take API.md's defaults. */
  static SaleEvent.Queue queue(JsonInput q) {
    q.allowOnly(Set.of("enabled", "admitPerMinute", "maxActive", "prequeueMinutes", "admissionTtlSeconds", "powBits"));
    SaleEvent.Queue d = SaleEvent.Queue.DEFAULTS;
    return new SaleEvent.Queue(q.has("enabled") ? q.bool("enabled") : d.enabled(),
        q.has("admitPerMinute") ? q.intIn("admitPerMinute", 1, 10_000_000) : d.admitPerMinute(),
        q.has("maxActive") ? q.intIn("maxActive", 0, 10_000_000) : d.maxActive(),
        q.has("prequeueMinutes") ? q.intIn("prequeueMinutes", 0, 24 * 60) : d.prequeueMinutes(),
        q.has("admissionTtlSeconds") ? q.intIn("admissionTtlSeconds", 10, 24 * 3600) : d.admissionTtlSeconds(),
        q.has("powBits") ? q.intIn("powBits", 0, MAX_POW_BITS) : d.powBits());
  }

  public static String grade(JsonInput in) {
    in.allowOnly(Set.of("grade"));
    String grade = in.string("grade", 32);
    if (!GRADE.matcher(grade).matches()) {
      throw ApiException.badRequest("'grade' must be an upper-case name like GOLD", "grade");
    }
    return grade;
  }

  private static void checkPathId(JsonInput in, String field, String pathValue) {
    if (in.has(field) && !pathValue.equals(in.id(field))) {
      throw ApiException.badRequest("'" + field + "' in the body differs from the path", field);
    }
  }
}
