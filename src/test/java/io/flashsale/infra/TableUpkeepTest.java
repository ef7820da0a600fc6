package io.flashsale.infra;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Who vacuums and analyzes our tables")
class TableUpkeepTest {

  @Test
  @DisplayName("auto: the app only where the server's autovacuum is off; always and never regardless")
  void modes() {
    assertThat(TableUpkeepVerticle.Mode.of("auto").keepsTables(false)).isTrue();
    assertThat(TableUpkeepVerticle.Mode.of("auto").keepsTables(true)).isFalse();
    assertThat(TableUpkeepVerticle.Mode.of("always").keepsTables(true)).isTrue();
    assertThat(TableUpkeepVerticle.Mode.of("never").keepsTables(false)).isFalse();
  }

  @Test
  @DisplayName("A table due for both gets one vacuum that analyzes; a table due for one gets only that one")
  void statements() {
    assertThat(TableUpkeepVerticle.statement(true, true, "orders")).isEqualTo("vacuum (analyze) \"orders\"");
    assertThat(TableUpkeepVerticle.statement(true, false, "orders")).isEqualTo("vacuum \"orders\"");
    assertThat(TableUpkeepVerticle.statement(false, true, "orders")).isEqualTo("analyze \"orders\"");
  }

  @Test
  @DisplayName("A table name is quoted as an identifier")
  void quoting() {
    assertThat(TableUpkeepVerticle.quoted("orders")).isEqualTo("\"orders\"");
    assertThat(TableUpkeepVerticle.quoted("a\"b")).isEqualTo("\"a\"\"b\"");
  }
}
