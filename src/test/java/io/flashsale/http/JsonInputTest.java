package io.flashsale.http;

import io.flashsale.catalog.CatalogRequests;
import io.flashsale.catalog.SaleEvent;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Strict request validation")
class JsonInputTest {

  private static ApiException rejection(String body) {
    try {
      CatalogRequests.product("p1", JsonInput.parse(Buffer.buffer(body)));
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError("accepted: " + body);
  }

  @Test
  @DisplayName("accepts a well-formed product and trims its strings")
  void acceptsProduct() {
    var p = CatalogRequests.product("p1", JsonInput.parse(Buffer.buffer(
        "{\"name\":\" Padded Jacket \",\"brand\":\"Covernat\",\"category\":\"Outerwear\",\"price\":59000}")));
    assertThat(p.name()).isEqualTo("Padded Jacket");
    assertThat(p.price()).isEqualTo(59_000);
    assertThat(p.imageUrl()).isEmpty();
  }

  @Test
  @DisplayName("names the offending field in every rejection")
  void namesTheField() {
    assertThat(rejection("{\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":true}").details()
        .getString("field")).isEqualTo("price");
    assertThat(rejection("{\"name\":5,\"brand\":\"b\",\"category\":\"c\",\"price\":1}").details()
        .getString("field")).isEqualTo("name");
    assertThat(rejection("{\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1,\"productId\":\"p2\"}")
        .details().getString("field")).isEqualTo("productId");
    assertThat(rejection("null").code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(rejection("").code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  @DisplayName("validates events: ISO times, order of the window, duplicate items, limits")
  void validatesEvents() {
    String ok = "{\"title\":\"BF\",\"startsAt\":\"2026-11-27T00:00:00Z\",\"endsAt\":\"2026-11-28T00:00:00Z\","
        + "\"items\":[{\"productId\":\"p1\",\"salePrice\":41300,\"limitPerUser\":2}]}";
    SaleEvent e = CatalogRequests.event("bf", JsonInput.parse(Buffer.buffer(ok)));
    assertThat(e.items()).hasSize(1);
    assertThatThrownBy(() -> CatalogRequests.event("bf", JsonInput.parse(Buffer.buffer(
        ok.replace("2026-11-27T00:00:00Z", "tomorrow"))))).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> CatalogRequests.event("bf", JsonInput.parse(Buffer.buffer(
        ok.replace("2026-11-28", "2026-11-26"))))).hasMessageContaining("after");
    assertThatThrownBy(() -> CatalogRequests.event("bf", JsonInput.parse(Buffer.buffer(
        ok.replace("]}", ",{\"productId\":\"p1\",\"salePrice\":1,\"limitPerUser\":1}]}")))))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> CatalogRequests.event("bf", JsonInput.parse(Buffer.buffer(
        ok.replace("\"limitPerUser\":2", "\"limitPerUser\":0"))))).hasMessageContaining("limitPerUser");
  }
}
