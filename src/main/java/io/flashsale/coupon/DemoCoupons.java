package io.flashsale.coupon;

import io.flashsale.catalog.DemoCatalog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

/** Generates reproducible coupons with the mix of targets a real sale has, and who holds them. */
public final class DemoCoupons {

  private static final String[] GRADES = {"SILVER", "GOLD", "PLATINUM"};

  private DemoCoupons() {
  }

  public static List<Coupon> coupons(int count, int products, long seed, Instant now) {
    Random rnd = new Random(seed * 7 + 1);
    List<String> brands = DemoCatalog.brands();
    List<String> categories = DemoCatalog.categories();
    List<Coupon> out = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      boolean percent = rnd.nextBoolean();
      long value = percent ? 5 + 5L * rnd.nextInt(6) : 1000L * (1 + rnd.nextInt(20));
      Long maxDiscount = percent && rnd.nextBoolean() ? 5000L * (1 + rnd.nextInt(6)) : null;
      long minPrice = rnd.nextInt(3) == 0 ? 10_000L * (1 + rnd.nextInt(5)) : 0;
      int kind = rnd.nextInt(10);
      List<String> g = List.of();
      List<String> b = List.of();
      List<String> c = List.of();
      List<String> p = List.of();
      if (kind < 3) {
        b = pick(brands, 1 + rnd.nextInt(3), rnd);
      } else if (kind < 5) {
        c = pick(categories, 1 + rnd.nextInt(2), rnd);
      } else if (kind < 6 && products > 0) {
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < 1 + rnd.nextInt(20); k++) {
          ids.add(String.format("p%05d", 1 + rnd.nextInt(products)));
        }
        p = List.copyOf(new LinkedHashSet<>(ids));
      } else if (kind < 7) {
        g = pick(List.of(GRADES), 1 + rnd.nextInt(2), rnd);
        b = pick(brands, 2, rnd);
      }
      Instant from = now.minus(Duration.ofDays(1));
      Instant to = now.plus(Duration.ofDays(30));
      if (rnd.nextInt(10) == 0) {
        from = now.plus(Duration.ofDays(2)); // not yet valid
        to = from.plus(Duration.ofDays(7));
      }
      String name = percent ? value + "% off" + (maxDiscount == null ? "" : " (up to " + maxDiscount + " won)")
          : value + " won off";
      out.add(new Coupon(String.format("c%04d", i), name, percent ? Coupon.Type.PERCENT : Coupon.Type.FIXED, value,
          maxDiscount, minPrice, from, to, new Coupon.Target(g, b, c, p), 0));
    }
    return out;
  }

  /** About {@code share} of users u1..uN, reproducibly per coupon. */
  public static List<String> holders(String couponId, int users, double share, long seed) {
    Random rnd = new Random(seed * 31 + couponId.hashCode());
    List<String> out = new ArrayList<>();
    for (int u = 1; u <= users; u++) {
      if (rnd.nextDouble() < share) {
        out.add("u" + u);
      }
    }
    return out;
  }

  private static List<String> pick(List<String> from, int n, Random rnd) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    while (out.size() < Math.min(n, from.size())) {
      out.add(from.get(rnd.nextInt(from.size())));
    }
    return List.copyOf(out);
  }
}
