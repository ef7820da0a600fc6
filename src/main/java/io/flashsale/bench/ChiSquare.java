package io.flashsale.bench;

/**
 * Pearson's chi-square test of a table of counts against "every cell equally likely" (pure): the statistic, its
 * degrees of freedom and the p-value, from the regularized upper incomplete gamma function (series and continued
 * fraction, as in Numerical Recipes §6.2). Used to show that a waiting room's shuffle is uniform.
 */
public final class ChiSquare {

  private ChiSquare() {
  }

  /** The result: a small p (say &lt; 0.001) says the counts are not what uniform chance gives. */
  public record Result(double statistic, int degreesOfFreedom, double pValue) {
  }

  /**
   * {@code counts[i][j]}: how often item i landed in bucket j. Each row is expected to spread evenly over the
   * buckets; degrees of freedom (rows − 1) × (columns − 1), as for a table whose row and column sums are fixed.
   */
  public static Result uniformTable(long[][] counts) {
    int rows = counts.length;
    int cols = counts[0].length;
    double total = 0;
    double[] rowSum = new double[rows];
    double[] colSum = new double[cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        rowSum[i] += counts[i][j];
        colSum[j] += counts[i][j];
        total += counts[i][j];
      }
    }
    double x2 = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double expected = rowSum[i] * colSum[j] / total;
        if (expected > 0) {
          double d = counts[i][j] - expected;
          x2 += d * d / expected;
        }
      }
    }
    int df = (rows - 1) * (cols - 1);
    return new Result(x2, df, pValue(x2, df));
  }

  /** P(X ≥ x2) for a chi-square variable of {@code df} degrees of freedom. */
  public static double pValue(double x2, int df) {
    return upperGamma(df / 2.0, x2 / 2.0);
  }

  /** Q(a, x) = Γ(a, x) / Γ(a). */
  static double upperGamma(double a, double x) {
    if (x <= 0) {
      return 1;
    }
    if (x < a + 1) {
      return 1 - lowerSeries(a, x);
    }
    return upperFraction(a, x);
  }

  private static double lowerSeries(double a, double x) {
    double sum = 1 / a;
    double term = sum;
    for (int n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) {
        break;
      }
    }
    return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }

  private static double upperFraction(double a, double x) {
    double tiny = 1e-300;
    double b = x + 1 - a;
    double c = 1 / tiny;
    double d = 1 / b;
    double h = d;
    for (int i = 1; i < 10_000; i++) {
      double an = -i * (i - a);
      b += 2;
      d = an * d + b;
      d = Math.abs(d) < tiny ? tiny : d;
      c = b + an / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-15) {
        break;
      }
    }
    return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }

  /** Lanczos approximation (g = 7, 9 terms): ~15 significant digits for a > 0. */
  static double logGamma(double a) {
    double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    if (a < 0.5) {
      return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
    }
    double x = a - 1;
    double s = c[0];
    for (int i = 1; i < 9; i++) {
      s += c[i] / (x + i);
    }
    double t = x + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
  }
}
