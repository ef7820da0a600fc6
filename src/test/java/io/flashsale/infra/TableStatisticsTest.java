package io.flashsale.infra;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Who keeps the planner statistics")
class TableStatisticsTest {

  @Test
  @DisplayName("auto: the app only where the server's autovacuum is off; always and never regardless")
  void modes() {
    assertThat(TableStatisticsVerticle.keepsStatistics("auto", false)).isTrue();
    assertThat(TableStatisticsVerticle.keepsStatistics("auto", true)).isFalse();
    assertThat(TableStatisticsVerticle.keepsStatistics("always", true)).isTrue();
    assertThat(TableStatisticsVerticle.keepsStatistics("never", false)).isFalse();
  }

  @Test
  @DisplayName("A table name is quoted as an identifier")
  void quoting() {
    assertThat(TableStatisticsVerticle.quoted("orders")).isEqualTo("\"orders\"");
    assertThat(TableStatisticsVerticle.quoted("a\"b")).isEqualTo("\"a\"\"b\"");
  }
}
