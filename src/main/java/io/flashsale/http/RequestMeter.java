package io.flashsale.http;

import java.util.concurrent.atomic.AtomicLong;

/** Counts HTTP requests in a process and keeps the last second's rate (for the dashboard). */
public final class RequestMeter {

  private final AtomicLong count = new AtomicLong();
  private volatile long lastCount;
  private volatile long lastAt = System.nanoTime();
  private volatile double perSecond;

  public void mark() {
    count.incrementAndGet();
  }

  /** Called once a second. */
  public void sample() {
    long now = System.nanoTime();
    long c = count.get();
    perSecond = (c - lastCount) / ((now - lastAt) / 1e9);
    lastCount = c;
    lastAt = now;
  }

  public double perSecond() {
    return perSecond;
  }

  public long total() {
    return count.get();
  }
}
