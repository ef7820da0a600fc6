package io.flashsale.catalog;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.JsonInput;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Admin request bodies and headers, validated without I/O")
class CatalogRequestsTest {

  private static JsonInput body(String json) {
    return JsonInput.parse(Buffer.buffer(json));
  }

  private static void badRequestOn(String field, Executable call) {
    assertThatThrownBy(call::execute).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
      assertThat(e.details().getString("field")).isEqualTo(field);
    });
  }

  @Test
  @DisplayName("If-Match takes a version as a strong tag, a weak tag or a bare number; absent is null; else a 400")
  void ifMatch() {
    assertThat(CatalogRequests.ifMatchVersion("\"17\"")).isEqualTo(17L);
    assertThat(CatalogRequests.ifMatchVersion("W/\"17\"")).isEqualTo(17L);
    assertThat(CatalogRequests.ifMatchVersion(" 17 ")).isEqualTo(17L);
    assertThat(CatalogRequests.ifMatchVersion(null)).isNull();
    badRequestOn("If-Match", () -> CatalogRequests.ifMatchVersion("*"));
    badRequestOn("If-Match", () -> CatalogRequests.ifMatchVersion("\"-1\""));
    badRequestOn("If-Match", () -> CatalogRequests.ifMatchVersion("1234567890123456789"));
  }

  @Test
  @DisplayName("Stock: a quantity within 0..10^8, a non-zero delta within ±10^8, no other field")
  void stock() {
    assertThat(CatalogRequests.stockQuantity(body("{\"quantity\":0}"))).isZero();
    assertThat(CatalogRequests.stockDelta(body("{\"delta\":-5}"))).isEqualTo(-5);
    badRequestOn("quantity", () -> CatalogRequests.stockQuantity(body("{\"quantity\":-1}")));
    badRequestOn("quantity", () -> CatalogRequests.stockQuantity(body("{\"quantity\":100000001}")));
    badRequestOn("delta", () -> CatalogRequests.stockDelta(body("{\"delta\":0}")));
    badRequestOn("extra", () -> CatalogRequests.stockDelta(body("{\"delta\":1,\"extra\":1}")));
  }

  @Test
  @DisplayName("An event's queue: absent keeps the stored room, null switches it off, an object takes API.md's defaults"
      + " for what it omits, and out-of-range settings are 400")
  void queue() {
    String base = "{\"title\":\"T\",\"startsAt\":\"2026-12-01T00:00:00Z\",\"endsAt\":\"2026-12-02T00:00:00Z\","
        + "\"items\":[]";
    assertThat(CatalogRequests.event("e1", body(base + "}")).queue()).isNull();
    assertThat(CatalogRequests.event("e1", body(base + ",\"queue\":null}")).queue().enabled()).isFalse();
    assertThat(CatalogRequests.event("e1", body(base + ",\"queue\":{}}")).queue())
        .isEqualTo(SaleEvent.Queue.DEFAULTS);
    assertThat(SaleEvent.Queue.DEFAULTS).as("API.md's defaults, written out")
        .isEqualTo(new SaleEvent.Queue(true, 6000, 0, 15, 600, 16));
    badRequestOn("queue.powBits", () -> CatalogRequests.event("e1", body(base + ",\"queue\":{\"powBits\":25}}")));
    badRequestOn("queue.admitPerMinute", () -> CatalogRequests.event("e1",
        body(base + ",\"queue\":{\"admitPerMinute\":0}}")));
    badRequestOn("queue.paused", () -> CatalogRequests.event("e1", body(base + ",\"queue\":{\"paused\":true}}")));
  }

  @Test
  @DisplayName("A grade is an upper-case name")
  void grade() {
    assertThat(CatalogRequests.grade(body("{\"grade\":\"GOLD\"}"))).isEqualTo("GOLD");
    badRequestOn("grade", () -> CatalogRequests.grade(body("{\"grade\":\"gold\"}")));
  }

  @Test
  @DisplayName("A path id is 1-64 of [A-Za-z0-9_-], named in the 400")
  void pathIds() {
    assertThat(JsonInput.pathId("p-1_A", "productId")).isEqualTo("p-1_A");
    badRequestOn("productId", () -> JsonInput.pathId("p 1", "productId"));
    badRequestOn("orderId", () -> JsonInput.pathId("x".repeat(65), "orderId"));
    badRequestOn("orderId", () -> JsonInput.pathId(null, "orderId"));
  }

  @Test
  @DisplayName("A product's id in the body must match the path's; its image URL must be http(s) or a path")
  void productIdInBody() {
    assertThat(CatalogRequests.product("p1", body(
        "{\"productId\":\"p1\",\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1}")).productId())
        .isEqualTo("p1");
    badRequestOn("productId", () -> CatalogRequests.product("p1", body(
        "{\"productId\":\"p2\",\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1}")));
    badRequestOn("imageUrl", () -> CatalogRequests.product("p1", body(
        "{\"name\":\"n\",\"brand\":\"b\",\"category\":\"c\",\"price\":1,\"imageUrl\":\"javascript:x\"}")));
  }
}
