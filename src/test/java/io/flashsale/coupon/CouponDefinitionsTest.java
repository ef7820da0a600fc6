package io.flashsale.coupon;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The process's coupon definitions")
class CouponDefinitionsTest {

  private static Coupon version(long v) {
    return new Coupon("c1", "v" + v, Coupon.Type.FIXED, 1_000 * v, null, 0, Instant.parse("2026-11-01T00:00:00Z"),
        Instant.parse("2026-12-31T00:00:00Z"), new Coupon.Target(List.of(), List.of(), List.of(), List.of()), v);
  }

  @Test
  @DisplayName("a load that read v1 and finishes after v2's invalidation is not kept: the next reader loads v2")
  void raceWithInvalidation() {
    CouponService.Definitions defs = new CouponService.Definitions();
    long atStart = defs.generation();
    defs.invalidate("c1"); // v2 was written while the load of v1 was in flight
    defs.cacheIfUnchanged(version(1), atStart);
    assertThat(defs.get("c1")).isNull();
    defs.cacheIfUnchanged(version(2), defs.generation());
    assertThat(defs.get("c1").version()).isEqualTo(2);
  }

  @Test
  @DisplayName("the newer version wins whatever order two loads finish in; '*' forgets everything")
  void newerWins() {
    CouponService.Definitions defs = new CouponService.Definitions();
    long g = defs.generation();
    defs.cacheIfUnchanged(version(3), g);
    defs.cacheIfUnchanged(version(2), g);
    assertThat(defs.get("c1").version()).isEqualTo(3);
    long beforeAll = defs.generation();
    defs.invalidate("*");
    assertThat(defs.get("c1")).isNull();
    defs.cacheIfUnchanged(version(3), beforeAll);
    assertThat(defs.get("c1")).isNull();
  }
}
