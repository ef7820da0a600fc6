package io.flashsale.coupon;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * API.md's coupon rule, as pure logic. Coupon C applies to user U and product P at time t iff validFrom ≤ t < validTo,
 * U holds an unused grant of C, each non-empty target list matches, and price(P) ≥ minPrice. FIXED → min(value,
 * price); PERCENT → floor(price × value / 100), capped by maxDiscount. Best = largest discount, ties to the smallest id.
 */
public final class CouponRule {

  /** What the rule needs to know about the product. */
  public record ProductFacts(String productId, String brand, String category, long price) {
  }

  /** A coupon that applies, with its discount and the price after it. */
  public record Offer(String couponId, String name, long discount, long finalPrice) {
  }

  /** Sorts best first: the largest discount, ties to the smallest coupon id (string order). */
  public static final Comparator<Offer> BEST_FIRST = Comparator.comparingLong(Offer::discount).reversed()
      .thenComparing(Offer::couponId);

  private CouponRule() {
  }

  /** Whether the coupon applies; {@code held} says whether the user holds an unused grant of it. */
  public static boolean applies(Coupon c, boolean held, String userGrade, ProductFacts p, Instant t) {
    return held
        && !t.isBefore(c.validFrom()) && t.isBefore(c.validTo())
        && (c.target().grades().isEmpty() || (userGrade != null && c.target().grades().contains(userGrade)))
        && matchesProduct(c, p)
        && p.price() >= c.minPrice();
  }

  /** The product-side part of the target (brands, categories, product ids), checked against the product's facts. */
  public static boolean matchesProduct(Coupon c, ProductFacts p) {
    Coupon.Target t = c.target();
    return (t.brands().isEmpty() || t.brands().contains(p.brand()))
        && (t.categories().isEmpty() || t.categories().contains(p.category()))
        && (t.productIds().isEmpty() || t.productIds().contains(p.productId()));
  }

  public static long discount(Coupon c, long price) {
    if (c.type() == Coupon.Type.FIXED) {
      return Math.min(c.value(), price);
    }
    long d = price * c.value() / 100; // price ≤ 10^12 and value ≤ 100: no overflow
    if (c.maxDiscount() != null) {
      d = Math.min(d, c.maxDiscount());
    }
    return Math.min(d, price);
  }

  /** Every applicable coupon, best first. */
  public static List<Offer> offers(List<Coupon> candidates, java.util.function.Predicate<String> held, String userGrade,
                                   ProductFacts p, Instant t) {
    List<Offer> out = new ArrayList<>();
    for (Coupon c : candidates) {
      if (applies(c, held.test(c.couponId()), userGrade, p, t)) {
        long d = discount(c, p.price());
        out.add(new Offer(c.couponId(), c.name(), d, p.price() - d));
      }
    }
    out.sort(BEST_FIRST);
    return out;
  }
}
