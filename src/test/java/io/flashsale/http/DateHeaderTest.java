package io.flashsale.http;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The Date header")
class DateHeaderTest {

  @Test
  @DisplayName("is RFC 9110's IMF-fixdate: two-digit day, English names, GMT")
  void imfFixdate() {
    assertThat(DateHeader.format(Instant.parse("2026-12-01T09:05:03Z"))).isEqualTo("Tue, 01 Dec 2026 09:05:03 GMT");
    assertThat(DateHeader.format(Instant.parse("2026-11-25T23:59:59.999Z"))).isEqualTo("Wed, 25 Nov 2026 23:59:59 GMT");
  }
}
