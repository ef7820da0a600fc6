package io.flashsale.display;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The near cache")
class NearCacheTest {

  private static CachedView view(long version) {
    return CachedView.found(ViewKind.EVENT_PAGE, "e1", version, Buffer.buffer("{\"v\":" + version + "}"), 1_000);
  }

  @Test
  @DisplayName("never replaces a view with an older version, whatever order they arrive in")
  void keepsNewest() {
    NearCache cache = new NearCache(10);
    cache.offer("k", view(5));
    cache.offer("k", view(3));
    assertThat(cache.get("k").version).isEqualTo(5);
    cache.offer("k", view(7));
    assertThat(cache.get("k").version).isEqualTo(7);
  }

  @Test
  @DisplayName("keeps a served view over a transient 'not found'")
  void keepsFoundOverNotFound() {
    NearCache cache = new NearCache(10);
    cache.offer("k", view(5));
    cache.offer("k", CachedView.notFound(ViewKind.EVENT_PAGE, "e1", 2_000));
    assertThat(cache.get("k").isNotFound()).isFalse();
  }

  @Test
  @DisplayName("stays within its bound")
  void bounded() {
    NearCache cache = new NearCache(100);
    for (int i = 0; i < 1000; i++) {
      cache.offer("k" + i, view(1));
    }
    cache.cleanUp();
    assertThat(cache.size()).isLessThanOrEqualTo(100);
  }

  @Test
  @DisplayName("a scan of 100,000 random ids, each read once, does not push out the 20 pages shoppers keep reading")
  void scanResistant() {
    NearCache cache = new NearCache(1_000);
    int[] reloads = {0};
    for (int i = 0; i < 100_000; i++) {
      // Shoppers keep reading the hot pages while a bot scans ids nobody reads twice.
      String hotKey = "hot" + (i % 20);
      if (cache.get(hotKey) == null) {
        reloads[0]++;
        cache.offer(hotKey, view(1));
      }
      String key = "scan-" + i;
      if (cache.get(key) == null) {
        cache.offer(key, CachedView.notFound(ViewKind.PRODUCT, key, 1_000));
      }
    }
    cache.cleanUp();
    assertThat(cache.size()).isLessThanOrEqualTo(1_000);
    // The first 20 loads are the cold start; a recency-only cache of 1,000 would reload each hot page ~95 times.
    assertThat(reloads[0]).as("hot page reloads over the scan").isLessThan(100);
  }

  @Test
  @DisplayName("matches If-None-Match lists, weak tags and *")
  void etagMatching() {
    CachedView v = view(17);
    assertThat(v.etag).isEqualTo("\"17\"");
    assertThat(v.matches("\"17\"")).isTrue();
    assertThat(v.matches("\"3\", W/\"17\"")).isTrue();
    assertThat(v.matches("*")).isTrue();
    assertThat(v.matches("\"16\"")).isFalse();
    assertThat(v.matches(null)).isFalse();
  }
}
