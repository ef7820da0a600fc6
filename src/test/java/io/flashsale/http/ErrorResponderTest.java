package io.flashsale.http;

import io.vertx.core.VertxException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Failure classification")
class ErrorResponderTest {

  @Test
  @DisplayName("lost connections and timeouts of any dependency are 503, bugs are 500, API errors keep their code")
  void classifies() {
    assertThat(ErrorResponder.classify(new VertxException("CONNECTION_CLOSED", true), 500).code())
        .as("vertx-redis-client's dropped connection").isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(ErrorResponder.classify(new ConnectException("Connection refused"), 500).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(ErrorResponder.classify(new TimeoutException(), 500).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(ErrorResponder.classify(new IllegalStateException("a bug"), 500).code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorResponder.classify(new ApiException(ErrorCode.SOLD_OUT, "gone"), 500).code())
        .isEqualTo(ErrorCode.SOLD_OUT);
    assertThat(ErrorResponder.classify(null, 413).code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
  }
}
