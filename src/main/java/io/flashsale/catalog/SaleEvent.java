package io.flashsale.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/** A limited-time sale event and its items, in display order; {@code version} is its page's view version. */
public record SaleEvent(String eventId, String title, Instant startsAt, Instant endsAt, List<Item> items,
                        long version) {

  /** A product sold in the event at {@code salePrice}, at most {@code limitPerUser} units per shopper. */
  public record Item(String productId, long salePrice, int limitPerUser) {
    public JsonObject toJson() {
      return new JsonObject().put("productId", productId).put("salePrice", salePrice)
          .put("limitPerUser", limitPerUser);
    }
  }

  public boolean isOpenAt(Instant t) {
    return !t.isBefore(startsAt) && t.isBefore(endsAt);
  }

  public JsonObject toJson() {
    JsonArray arr = new JsonArray();
    items.forEach(i -> arr.add(i.toJson()));
    return new JsonObject().put("eventId", eventId).put("title", title).put("startsAt", startsAt.toString())
        .put("endsAt", endsAt.toString()).put("items", arr).put("version", version);
  }
}
