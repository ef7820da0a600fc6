package io.flashsale.display;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The process-wide map of ready responses, shared by every API verticle (so one invalidation or one load serves
 * them all). Bounded: beyond {@code maxEntries} some entries are dropped (any; a dropped view is reloaded from Redis).
 */
public final class NearCache {

  private final ConcurrentHashMap<String, CachedView> entries = new ConcurrentHashMap<>();
  private final int maxEntries;

  public NearCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  CachedView get(String key) {
    return entries.get(key);
  }

  /** Keeps whichever is newer, so no reader ever sees a view go back to an older version. */
  CachedView offer(String key, CachedView candidate) {
    CachedView kept = entries.compute(key, (k, current) -> {
      if (current != null && !current.isNotFound() && (candidate.isNotFound() || current.version > candidate.version)) {
        // A view we served cannot vanish (nothing is deleted): a "not found" is a transient miss; older loses.
        current.expiresAt = Math.max(current.expiresAt, candidate.expiresAt);
        return current;
      }
      return candidate;
    });
    if (entries.size() > maxEntries) {
      trim();
    }
    return kept;
  }

  private void trim() {
    int excess = entries.size() - maxEntries + Math.max(1, maxEntries / 100);
    Iterator<String> it = entries.keySet().iterator();
    while (excess-- > 0 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  void forEach(Consumer<CachedView> action) {
    entries.values().forEach(action);
  }

  public int size() {
    return entries.size();
  }
}
