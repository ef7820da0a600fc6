package io.flashsale.coupon;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The coupon rule, as pure logic")
class CouponRuleTest {

  private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
  private static final Coupon.Target ANY = new Coupon.Target(List.of(), List.of(), List.of(), List.of());

  private static Coupon fixed(String id, long value) {
    return new Coupon(id, id, Coupon.Type.FIXED, value, null, 0, NOW.minusSeconds(60), NOW.plusSeconds(60), ANY, 1);
  }

  private static Coupon percent(String id, long value, Long max) {
    return new Coupon(id, id, Coupon.Type.PERCENT, value, max, 0, NOW.minusSeconds(60), NOW.plusSeconds(60), ANY, 1);
  }

  private static CouponRule.ProductFacts product(long price) {
    return new CouponRule.ProductFacts("p1", "b1", "c1", price);
  }

  @Test
  @DisplayName("FIXED takes min(value, price); PERCENT floors price × value / 100 and caps it at maxDiscount")
  void discounts() {
    assertThat(CouponRule.discount(fixed("a", 1_000), 7_000)).isEqualTo(1_000);
    assertThat(CouponRule.discount(fixed("a", 9_000), 7_000)).isEqualTo(7_000);
    assertThat(CouponRule.discount(percent("a", 15, null), 999)).isEqualTo(149);
    assertThat(CouponRule.discount(percent("a", 50, 2_000L), 10_000)).isEqualTo(2_000);
    assertThat(CouponRule.discount(percent("a", 100, null), 1_000_000_000_000L)).isEqualTo(1_000_000_000_000L);
  }

  @Test
  @DisplayName("validFrom is inclusive and validTo exclusive; minPrice is a floor the price may equal")
  void boundaries() {
    Coupon c = new Coupon("a", "a", Coupon.Type.FIXED, 100, null, 5_000, NOW, NOW.plusSeconds(10), ANY, 1);
    assertThat(CouponRule.applies(c, true, "GOLD", product(5_000), NOW)).isTrue();
    assertThat(CouponRule.applies(c, true, "GOLD", product(5_000), NOW.minusMillis(1))).isFalse();
    assertThat(CouponRule.applies(c, true, "GOLD", product(5_000), NOW.plusSeconds(10))).isFalse();
    assertThat(CouponRule.applies(c, true, "GOLD", product(4_999), NOW)).isFalse();
    assertThat(CouponRule.applies(c, false, "GOLD", product(5_000), NOW)).as("no unused grant").isFalse();
  }

  @Test
  @DisplayName("A grade target needs a user with that grade; a user without a grade matches only untargeted coupons")
  void grades() {
    Coupon gold = new Coupon("a", "a", Coupon.Type.FIXED, 100, null, 0, NOW.minusSeconds(1), NOW.plusSeconds(1),
        new Coupon.Target(List.of("GOLD"), List.of(), List.of(), List.of()), 1);
    assertThat(CouponRule.applies(gold, true, "GOLD", product(1_000), NOW)).isTrue();
    assertThat(CouponRule.applies(gold, true, "SILVER", product(1_000), NOW)).isFalse();
    assertThat(CouponRule.applies(gold, true, null, product(1_000), NOW)).isFalse();
    assertThat(CouponRule.applies(fixed("b", 100), true, null, product(1_000), NOW)).isTrue();
  }

  @Test
  @DisplayName("Best first: the largest discount, ties to the smallest coupon id")
  void bestFirst() {
    List<CouponRule.Offer> offers = CouponRule.offers(List.of(fixed("c2", 500), fixed("c1", 500), percent("c0", 1, null),
        fixed("c3", 700)), id -> true, null, product(10_000), NOW);
    assertThat(offers).extracting(CouponRule.Offer::couponId).containsExactly("c3", "c1", "c2", "c0");
    assertThat(offers.get(0).finalPrice()).isEqualTo(9_300);
  }

  /**
   * CouponIT's brute-force check, without servers: 20,000 random (coupon set, user, product, time) cases, each answered
   * by the rule and by a second reading of API.md written independently here (BigInteger arithmetic, explicit loops).
   */
  @Test
  @DisplayName("agrees with an independent reading of API.md on 20,000 random cases")
  void agreesWithBruteForce() {
    Random rnd = new Random(20261125);
    List<String> grades = List.of("BASIC", "SILVER", "GOLD");
    List<String> brands = List.of("b1", "b2", "b3");
    List<String> categories = List.of("tops", "shoes");
    List<String> products = List.of("p0", "p1", "p2", "p3", "p4");
    for (int n = 0; n < 20_000; n++) {
      List<Coupon> coupons = new ArrayList<>();
      Set<String> held = new HashSet<>();
      for (int i = 0; i < 1 + rnd.nextInt(6); i++) {
        boolean pct = rnd.nextBoolean();
        long value = pct ? 1 + rnd.nextInt(100) : 100L * (1 + rnd.nextInt(100));
        Long max = pct && rnd.nextBoolean() ? 100L * rnd.nextInt(50) : null;
        Instant from = NOW.plus(rnd.nextInt(5) - 3, ChronoUnit.SECONDS);
        String id = "c" + rnd.nextInt(10) + i;
        coupons.add(new Coupon(id, id, pct ? Coupon.Type.PERCENT : Coupon.Type.FIXED, value, max,
            rnd.nextInt(3) == 0 ? 1_000L * rnd.nextInt(8) : 0, from, from.plusSeconds(rnd.nextInt(4)),
            new Coupon.Target(pick(rnd, grades), pick(rnd, brands), pick(rnd, categories), pick(rnd, products)), 1));
        if (rnd.nextInt(4) != 0) {
          held.add(id);
        }
      }
      String grade = rnd.nextInt(5) == 0 ? null : grades.get(rnd.nextInt(3));
      CouponRule.ProductFacts p = new CouponRule.ProductFacts(products.get(rnd.nextInt(5)), brands.get(rnd.nextInt(3)),
          categories.get(rnd.nextInt(2)), rnd.nextInt(10) == 0 ? rnd.nextInt(3) : 500L * rnd.nextInt(20));
      Instant t = NOW.plus(rnd.nextInt(5) - 2, ChronoUnit.SECONDS);
      assertThat(CouponRule.offers(coupons, held::contains, grade, p, t)).as("case %d", n)
          .isEqualTo(oracle(coupons, held, grade, p, t));
    }
  }

  private static List<String> pick(Random rnd, List<String> from) {
    return rnd.nextInt(3) == 0 ? List.of(from.get(rnd.nextInt(from.size()))) : List.of();
  }

  private static List<CouponRule.Offer> oracle(List<Coupon> coupons, Set<String> held, String grade,
                                               CouponRule.ProductFacts p, Instant t) {
    List<CouponRule.Offer> out = new ArrayList<>();
    for (Coupon c : coupons) {
      boolean inWindow = c.validFrom().compareTo(t) <= 0 && t.compareTo(c.validTo()) < 0;
      boolean gradeOk = c.target().grades().isEmpty() || (grade != null && c.target().grades().contains(grade));
      boolean brandOk = c.target().brands().isEmpty() || c.target().brands().contains(p.brand());
      boolean categoryOk = c.target().categories().isEmpty() || c.target().categories().contains(p.category());
      boolean productOk = c.target().productIds().isEmpty() || c.target().productIds().contains(p.productId());
      if (!held.contains(c.couponId()) || !inWindow || !gradeOk || !brandOk || !categoryOk || !productOk
          || p.price() < c.minPrice()) {
        continue;
      }
      long d;
      if (c.type() == Coupon.Type.FIXED) {
        d = c.value() < p.price() ? c.value() : p.price();
      } else {
        d = BigInteger.valueOf(p.price()).multiply(BigInteger.valueOf(c.value())).divide(BigInteger.valueOf(100))
            .longValueExact();
        if (c.maxDiscount() != null && c.maxDiscount() < d) {
          d = c.maxDiscount();
        }
      }
      out.add(new CouponRule.Offer(c.couponId(), c.name(), d, p.price() - d));
    }
    out.sort(Comparator.comparing((CouponRule.Offer o) -> -o.discount()).thenComparing(CouponRule.Offer::couponId));
    return out;
  }
}
