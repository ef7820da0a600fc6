package io.flashsale.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (the load generator of the display bench) and reads its figures. */
public final class Wrk {

  /** What one wrk run measured. */
  public record Run(String label, String url, double requestsPerSecond, double p50Ms, double p99Ms, long non2xx,
                    String raw) {
  }

  private Wrk() {
  }

  public static Run run(String label, String url, int threads, int connections, int seconds) throws IOException,
      InterruptedException {
    Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", url)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("wrk failed: " + out);
    }
    return new Run(label, url, number(out, "Requests/sec:\\s+([0-9.]+)"), millis(out, "50%"), millis(out, "99%"),
        (long) number(out, "Non-2xx or 3xx responses:\\s+([0-9]+)"), out);
  }

  private static double number(String out, String regex) {
    Matcher m = Pattern.compile(regex).matcher(out);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  /** wrk prints latency percentiles like "99%    4.62ms" or "1.20s" or "850.00us". */
  private static double millis(String out, String percentile) {
    Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)").matcher(out);
    if (!m.find()) {
      return 0;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
  }
}
