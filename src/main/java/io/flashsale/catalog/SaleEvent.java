package io.flashsale.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * A limited-time sale event and its items, in display order; {@code version} is its page's view version;
 * {@code queue} its waiting room (in an upsert: null keeps the one stored, {@code enabled: false} switches it off).
 */
public record SaleEvent(String eventId, String title, Instant startsAt, Instant endsAt, List<Item> items,
                        long version, Queue queue) {

  /** A product sold in the event at {@code salePrice}, at most {@code limitPerUser} units per shopper. */
  public record Item(String productId, long salePrice, int limitPerUser) {
    public JsonObject toJson() {
      return new JsonObject().put("productId", productId).put("salePrice", salePrice)
          .put("limitPerUser", limitPerUser);
    }
  }

  /**
   * The waiting room's settings as the admin upserts them (API.md, "Waiting room"): admissions per minute, the cap on
   * live admission tokens (0 = none), how early the pre-queue opens, how long a token lives, the puzzle's difficulty.
   */
  public record Queue(boolean enabled, int admitPerMinute, int maxActive, int prequeueMinutes,
                      int admissionTtlSeconds, int powBits) {

    /** API.md's defaults, for whatever a room's settings leave out. */
    public static final Queue DEFAULTS = new Queue(true, 6000, 0, 15, 600, 16);

    /** The settings as stored ({@code events.queue}); null for none. */
    public static Queue fromJson(JsonObject q) {
      return q == null ? null : new Queue(q.getBoolean("enabled", DEFAULTS.enabled),
          q.getInteger("admitPerMinute", DEFAULTS.admitPerMinute), q.getInteger("maxActive", DEFAULTS.maxActive),
          q.getInteger("prequeueMinutes", DEFAULTS.prequeueMinutes),
          q.getInteger("admissionTtlSeconds", DEFAULTS.admissionTtlSeconds), q.getInteger("powBits", DEFAULTS.powBits));
    }

    /** The same settings, switched off. */
    public Queue off() {
      return new Queue(false, admitPerMinute, maxActive, prequeueMinutes, admissionTtlSeconds, powBits);
    }

    public JsonObject toJson() {
      return new JsonObject().put("enabled", enabled).put("admitPerMinute", admitPerMinute)
          .put("maxActive", maxActive).put("prequeueMinutes", prequeueMinutes)
          .put("admissionTtlSeconds", admissionTtlSeconds).put("powBits", powBits);
    }
  }

  public boolean isOpenAt(Instant t) {
    return !t.isBefore(startsAt) && t.isBefore(endsAt);
  }

  public SaleEvent withVersion(long newVersion, Queue storedQueue) {
    return new SaleEvent(eventId, title, startsAt, endsAt, items, newVersion, storedQueue);
  }

  public JsonObject toJson() {
    JsonArray arr = new JsonArray();
    items.forEach(i -> arr.add(i.toJson()));
    JsonObject json = new JsonObject().put("eventId", eventId).put("title", title).put("startsAt", startsAt.toString())
        .put("endsAt", endsAt.toString()).put("items", arr).put("version", version);
    if (queue != null) {
      json.put("queue", queue.toJson());
    }
    return json;
  }
}
