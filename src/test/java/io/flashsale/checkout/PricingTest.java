package io.flashsale.checkout;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Pricing from a product view")
class PricingTest {

  private static final Instant T = Instant.parse("2026-11-27T12:00:00Z");

  private static JsonObject view(String startsAt, String endsAt) {
    return new JsonObject().put("productId", "p1").put("price", 10_000).put("event", new JsonObject()
        .put("eventId", "a").put("salePrice", 7_000).put("limitPerUser", 1).put("startsAt", startsAt)
        .put("endsAt", endsAt));
  }

  @Test
  @DisplayName("a view whose sale has ended is outdated (the next sale may be open); one before or in its sale is not")
  void outdatedAtTheBoundary() {
    JsonObject sale = view("2026-11-27T10:00:00Z", "2026-11-27T12:00:00Z");
    assertThat(Pricing.outdated(sale, T.minusMillis(1))).isFalse();
    assertThat(Pricing.outdated(sale, T)).isTrue();
    assertThat(Pricing.outdated(view("2026-11-27T12:00:00Z", "2026-11-28T12:00:00Z"), T)).isFalse();
    assertThat(Pricing.outdated(new JsonObject().put("price", 10_000), T)).isFalse();
    assertThat(Pricing.outdated(null, T)).isFalse();
  }

  @Test
  @DisplayName("the sale price and limit apply from startsAt (inclusive) to endsAt (exclusive), else the list price")
  void openWindow() {
    JsonObject sale = view("2026-11-27T10:00:00Z", "2026-11-27T12:00:00Z");
    CheckoutRequest.Line line = new CheckoutRequest.Line("p1", 2);
    assertThat(Pricing.price(line, sale, T.minusMillis(1)).unitPrice()).isEqualTo(7_000);
    assertThat(Pricing.price(line, sale, T.minusMillis(1)).limitPerUser()).isEqualTo(1);
    assertThat(Pricing.price(line, sale, T).unitPrice()).isEqualTo(10_000);
    assertThat(Pricing.price(line, sale, T).limitPerUser()).isZero();
    assertThat(Pricing.price(line, sale, Instant.parse("2026-11-27T10:00:00Z")).unitPrice()).isEqualTo(7_000);
  }
}
