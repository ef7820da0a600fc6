package io.flashsale.admission;

/** The waiting room's arithmetic shown to shoppers and operators (pure). */
final class QueueMath {

  private QueueMath() {
  }

  /** Seconds until {@code position} shoppers ahead (oneself included) are through at the configured pace. */
  static long estimatedWaitSeconds(long position, int admitPerMinute) {
    if (position <= 0 || admitPerMinute <= 0) {
      return 0;
    }
    return (position * 60 + admitPerMinute - 1) / admitPerMinute;
  }

  /** When to ask again: a tenth of the wait, between 1 and 30 s (100,000 shoppers polling each second is a DDoS). */
  static long pollAfterSeconds(long estimatedWaitSeconds) {
    return Math.max(1, Math.min(30, estimatedWaitSeconds / 10));
  }
}
