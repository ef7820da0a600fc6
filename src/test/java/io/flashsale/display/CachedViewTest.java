package io.flashsale.display;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A near-cached view's entity tag")
class CachedViewTest {

  private static final CachedView V7 = CachedView.found(ViewKind.PRODUCT, "p1", 7, Buffer.buffer("{}"), 0);

  @Test
  @DisplayName("is the version in quotes")
  void etag() {
    assertThat(V7.etag).isEqualTo("\"7\"");
    assertThat(V7.etagHeader.toString()).isEqualTo("\"7\"");
  }

  @Test
  @DisplayName("matches If-None-Match as RFC 9110 says: *, a list, weak tags compared weakly")
  void ifNoneMatch() {
    assertThat(V7.matches("\"7\"")).isTrue();
    assertThat(V7.matches(" * ")).isTrue();
    assertThat(V7.matches("\"6\", W/\"7\"")).isTrue();
    assertThat(V7.matches("\"6\"")).isFalse();
    assertThat(V7.matches("7")).isFalse();
    assertThat(V7.matches(null)).isFalse();
  }

  @Test
  @DisplayName("a not-found entry has no tag and matches nothing, not even *")
  void notFound() {
    CachedView missing = CachedView.notFound(ViewKind.PRODUCT, "p9", 0);
    assertThat(missing.isNotFound()).isTrue();
    assertThat(missing.etag).isNull();
    assertThat(missing.matches("*")).isFalse();
  }
}
