package io.flashsale.display;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.function.Consumer;

/**
 * The process-wide map of ready responses, shared by every API verticle (so one invalidation or one load serves
 * them all). Bounded by a frequency-aware cache (Caffeine's W-TinyLFU): a scan of random ids — each seen once — is
 * admitted only over entries that are used less, so it cannot push the hot event pages out. A dropped view is
 * reloaded from Redis.
 */
public final class NearCache {

  private final Cache<String, CachedView> entries;

  public NearCache(int maxEntries) {
    // Maintenance (eviction) runs on the caller's thread, amortised: no pool thread, and deterministic in tests.
    this.entries = Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
  }

  CachedView get(String key) {
    return entries.getIfPresent(key);
  }

  /** Keeps whichever is newer, so no reader ever sees a view go back to an older version. */
  CachedView offer(String key, CachedView candidate) {
    return entries.asMap().compute(key, (k, current) -> {
      if (current != null && !current.isNotFound() && (candidate.isNotFound() || current.version > candidate.version)) {
        // A view we served cannot vanish (nothing is deleted): a "not found" is a transient miss; older loses.
        current.expiresAt = Math.max(current.expiresAt, candidate.expiresAt);
        return current;
      }
      return candidate;
    });
  }

  void forEach(Consumer<CachedView> action) {
    entries.asMap().values().forEach(action);
  }

  public int size() {
    return (int) entries.estimatedSize();
  }

  /** Runs pending evictions now (tests read {@link #size()} right after a burst). */
  void cleanUp() {
    entries.cleanUp();
  }
}
