package io.flashsale.inventory;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide "sold out" flags, so a sold-out product refuses buyers without a Redis round trip. Set by the
 * stock channel ({@code soldout|p}) and by every SOLD_OUT answer of the hold script; cleared by {@code available|p}.
 * A flag counts only for {@code ttlMillis}, so a lost "available" message costs at most that long.
 */
public final class SoldOutBoard {

  private final ConcurrentHashMap<String, Long> soldOutSince = new ConcurrentHashMap<>();
  private final Clock clock;
  private final long ttlMillis;

  public SoldOutBoard(Clock clock, long ttlMillis) {
    this.clock = clock;
    this.ttlMillis = ttlMillis;
  }

  public boolean isSoldOut(String productId) {
    Long since = soldOutSince.get(productId);
    return since != null && clock.millis() - since < ttlMillis;
  }

  public void markSoldOut(String productId) {
    soldOutSince.put(productId, clock.millis());
  }

  public void markAvailable(String productId) {
    soldOutSince.remove(productId);
  }

  /** Applies a stock channel message: {@code soldout|p}, {@code available|p}, or {@code reset}. */
  public void apply(String message) {
    if ("reset".equals(message)) {
      soldOutSince.clear();
      return;
    }
    int bar = message.indexOf('|');
    if (bar < 0) {
      return;
    }
    String productId = message.substring(bar + 1);
    if (message.startsWith("soldout")) {
      markSoldOut(productId);
    } else {
      markAvailable(productId);
    }
  }
}
