package io.flashsale.cli;

import java.io.PrintStream;

/** A one-line progress bar for long CLI commands (plain lines when output is not a terminal). */
final class Progress {

  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean tty = System.console() != null;
  private long done;
  private long lastPrint;

  Progress(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = Math.max(1, total);
  }

  synchronized void step(long n) {
    done += n;
    long now = System.currentTimeMillis();
    if (done >= total || now - lastPrint > (tty ? 100 : 2000)) {
      lastPrint = now;
      int width = 30;
      int filled = (int) (width * Math.min(done, total) / total);
      String bar = "#".repeat(filled) + "-".repeat(width - filled);
      String line = String.format("%-10s [%s] %d/%d", label, bar, Math.min(done, total), total);
      if (tty) {
        out.print("\r" + line + (done >= total ? "\n" : ""));
      } else {
        out.println(line);
      }
      out.flush();
    }
  }
}
