package io.flashsale.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts HTTP requests in a process (for the dashboard). Each API verticle counts on its own {@link Lane}, written
 * only by its event loop, so a request costs an uncontended store instead of every event loop incrementing one
 * shared atomic; a reading sums the lanes.
 */
public final class RequestMeter {

  private final List<AtomicLong> lanes = new CopyOnWriteArrayList<>();
  private long lastCount;
  private long lastAt = System.nanoTime();
  private double perSecond;

  /** One event loop's counter. */
  public static final class Lane {
    private final AtomicLong count;

    private Lane(AtomicLong count) {
      this.count = count;
    }

    /** Only the lane's own event loop calls this: a plain read and an ordered store, no atomic read-modify-write. */
    public void mark() {
      count.lazySet(count.get() + 1);
    }
  }

  public Lane lane() {
    AtomicLong count = new AtomicLong();
    lanes.add(count);
    return new Lane(count);
  }

  public long total() {
    long sum = 0;
    for (AtomicLong lane : lanes) {
      sum += lane.get();
    }
    return sum;
  }

  /** Requests per second between the two latest readings at least a second apart (the dashboard reads it each second). */
  public synchronized double perSecond() {
    long now = System.nanoTime();
    if (now - lastAt >= 1_000_000_000L) {
      long count = total();
      perSecond = (count - lastCount) / ((now - lastAt) / 1e9);
      lastCount = count;
      lastAt = now;
    }
    return perSecond;
  }
}
