package io.flashsale.display;

/**
 * Probabilistic early expiration (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede
 * Prevention", VLDB 2015): refresh when {@code now - delta * beta * ln(u) >= expiry}, u uniform in (0, 1]. A value
 * that took {@code delta} ms to compute is refreshed a little before it expires, by one reader, with a probability
 * that rises as expiry nears — so a hot key never expires under load.
 */
public final class XFetch {

  private XFetch() {
  }

  /** {@code u} is a uniform random number in (0, 1]; {@code beta} > 1 refreshes earlier (1 is the paper's optimum). */
  public static boolean shouldRefresh(long nowMillis, long expiresAtMillis, long deltaMillis, double beta, double u) {
    double gap = -deltaMillis * beta * Math.log(u <= 0 ? Double.MIN_VALUE : u);
    return nowMillis + gap >= expiresAtMillis;
  }
}
