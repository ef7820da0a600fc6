package io.flashsale.display;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("XFetch probabilistic early refresh")
class XFetchTest {

  @Test
  @DisplayName("never refreshes long before expiry, always at or after it")
  void bounds() {
    long expiry = 10_000;
    assertThat(XFetch.shouldRefresh(0, expiry, 5, 1.0, 0.5)).isFalse();
    assertThat(XFetch.shouldRefresh(expiry, expiry, 5, 1.0, 1.0)).isTrue();
    assertThat(XFetch.shouldRefresh(expiry + 1, expiry, 5, 1.0, 0.999)).isTrue();
  }

  @Test
  @DisplayName("refreshes more often as expiry nears, and earlier for slower loads (a fixed random sequence, no clock)")
  void probabilityRisesTowardsExpiry() {
    long expiry = 10_000;
    double far = rate(expiry - 100, expiry, 10);
    double near = rate(expiry - 5, expiry, 10);
    double slowLoad = rate(expiry - 100, expiry, 100);
    assertThat(far).isLessThan(near);
    assertThat(far).isLessThan(0.01);
    assertThat(near).isGreaterThan(0.5);
    assertThat(slowLoad).isGreaterThan(far);
  }

  private static double rate(long now, long expiry, long delta) {
    Random random = new Random(42);
    int hits = 0;
    for (int i = 0; i < 100_000; i++) {
      if (XFetch.shouldRefresh(now, expiry, delta, 1.0, 1.0 - random.nextDouble())) {
        hits++;
      }
    }
    return hits / 100_000.0;
  }
}
