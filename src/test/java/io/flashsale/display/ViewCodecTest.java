package io.flashsale.display;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The stored view format")
class ViewCodecTest {

  @Test
  @DisplayName("round-trips a page, compressing it, with version and raw length in the header")
  void roundTrip() {
    StringBuilder sb = new StringBuilder("{\"products\":[");
    for (int i = 0; i < 50; i++) {
      sb.append("{\"productId\":\"p").append(i).append("\",\"brand\":\"Covernat\",\"soldOut\":false},");
    }
    Buffer json = Buffer.buffer(sb.append("{}]}").toString());
    Buffer stored = ViewCodec.encode(42, json);
    assertThat(stored.length()).isLessThan(json.length() / 2);
    assertThat(stored.getByte(2)).isEqualTo(ViewCodec.FORMAT_LZ4);
    ViewCodec.Decoded d = ViewCodec.decode(stored);
    assertThat(d.version()).isEqualTo(42);
    assertThat(d.json()).isEqualTo(json);
  }

  @Test
  @DisplayName("stores tiny views raw when compression would not help")
  void tinyRaw() {
    Buffer stored = ViewCodec.encode(1, Buffer.buffer("{}"));
    assertThat(stored.getByte(2)).isEqualTo(ViewCodec.FORMAT_RAW);
    assertThat(ViewCodec.decode(stored).json().toString()).isEqualTo("{}");
  }

  @Test
  @DisplayName("refuses bytes that are not a view")
  void refusesGarbage() {
    assertThatThrownBy(() -> ViewCodec.decode(Buffer.buffer("hello world, not a view")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
