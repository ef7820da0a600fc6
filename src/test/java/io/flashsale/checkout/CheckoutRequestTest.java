package io.flashsale.checkout;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.JsonInput;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A shopper's checkout body, validated without I/O")
class CheckoutRequestTest {

  private static CheckoutRequest parse(String json) {
    return CheckoutRequest.parse(JsonInput.parse(Buffer.buffer(json)));
  }

  private static String field(String json) {
    try {
      parse(json);
    } catch (ApiException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
      return e.details().getString("field");
    }
    throw new AssertionError("accepted: " + json);
  }

  @Test
  @DisplayName("accepts lines, a coupon and an event")
  void accepts() {
    CheckoutRequest r = parse("{\"items\":[{\"productId\":\"p1\",\"quantity\":2},{\"productId\":\"p2\",\"quantity\":1}],"
        + "\"couponId\":\"c1\",\"eventId\":\"e1\"}");
    assertThat(r.items()).containsExactly(new CheckoutRequest.Line("p1", 2), new CheckoutRequest.Line("p2", 1));
    assertThat(r.couponId()).isEqualTo("c1");
    assertThat(r.eventId()).isEqualTo("e1");
    assertThat(parse("{\"items\":[{\"productId\":\"p1\",\"quantity\":1}]}").couponId()).isNull();
  }

  @Test
  @DisplayName("refuses, naming the field: no items, too many, a product twice, a quantity out of 1..1000, unknown fields")
  void refuses() {
    assertThat(field("{\"items\":[]}")).isEqualTo("items");
    StringBuilder many = new StringBuilder("{\"items\":[");
    for (int i = 0; i <= CheckoutRequest.MAX_ITEMS; i++) {
      many.append(i == 0 ? "" : ",").append("{\"productId\":\"p").append(i).append("\",\"quantity\":1}");
    }
    assertThat(field(many.append("]}").toString())).isEqualTo("items");
    assertThat(field("{\"items\":[{\"productId\":\"p1\",\"quantity\":1},{\"productId\":\"p1\",\"quantity\":1}]}"))
        .isEqualTo("items[1].productId");
    assertThat(field("{\"items\":[{\"productId\":\"p1\",\"quantity\":0}]}")).isEqualTo("items[0].quantity");
    assertThat(field("{\"items\":[{\"productId\":\"p1\",\"quantity\":1001}]}")).isEqualTo("items[0].quantity");
    assertThat(field("{\"items\":[{\"productId\":\"p1\",\"quantity\":1,\"price\":1}]}")).isEqualTo("items[0].price");
    assertThat(field("{\"items\":[{\"productId\":\"p1\",\"quantity\":1}],\"total\":0}")).isEqualTo("total");
    assertThat(field("{\"items\":[{\"productId\":\"p 1\",\"quantity\":1}]}")).isEqualTo("items[0].productId");
    assertThatThrownBy(() -> parse("[1]")).isInstanceOf(ApiException.class);
  }
}
