package io.flashsale.checkout;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.inventory.PricedItem;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/** Decides the unit price and limit of a line from the product's view, at a given moment (pure: no I/O). */
public final class Pricing {

  private Pricing() {
  }

  /** {@code productView} is the product view JSON, or {@code null} when the product does not exist. */
  public static PricedItem price(CheckoutRequest.Line line, JsonObject productView, Instant now) {
    if (productView == null) {
      throw ApiException.notFound("product", line.productId());
    }
    JsonObject event = productView.getJsonObject("event");
    if (event != null && isOpen(event, now)) {
      return new PricedItem(line.productId(), line.quantity(), event.getLong("salePrice"), event.getString("eventId"),
          event.getInteger("limitPerUser"));
    }
    return new PricedItem(line.productId(), line.quantity(), productView.getLong("price"), null, 0);
  }

  /**
   * A product view shows the sale the product is in that has not ended yet. If that sale has ended by {@code now},
   * the view was built before the boundary and may miss the sale that follows (the boundary's re-projection is on its
   * way): price from a view built now instead.
   */
  public static boolean outdated(JsonObject productView, Instant now) {
    JsonObject event = productView == null ? null : productView.getJsonObject("event");
    return event != null && !now.isBefore(Instant.parse(event.getString("endsAt")));
  }

  /** Refuses a checkout that names an event outside its window. */
  public static void requireOpen(String eventId, JsonObject eventPage, Instant now) {
    if (eventPage == null) {
      throw ApiException.notFound("event", eventId);
    }
    if (!isOpen(eventPage, now)) {
      throw new ApiException(ErrorCode.EVENT_NOT_OPEN, "event '" + eventId + "' is open from "
          + eventPage.getString("startsAt") + " to " + eventPage.getString("endsAt"),
          new JsonObject().put("eventId", eventId).put("startsAt", eventPage.getString("startsAt"))
              .put("endsAt", eventPage.getString("endsAt")));
    }
  }

  static boolean isOpen(JsonObject window, Instant now) {
    Instant starts = Instant.parse(window.getString("startsAt"));
    Instant ends = Instant.parse(window.getString("endsAt"));
    return !now.isBefore(starts) && now.isBefore(ends);
  }
}
