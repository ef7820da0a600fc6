package io.flashsale.display;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** A bounded LRU map of ready responses, owned by one event loop (no locking). */
final class NearCache {

  private final LinkedHashMap<String, CachedView> entries;

  NearCache(int maxEntries) {
    this.entries = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CachedView> eldest) {
        return size() > maxEntries;
      }
    };
  }

  CachedView get(String key) {
    return entries.get(key);
  }

  /** Keeps whichever is newer, so no reader ever sees a view go back to an older version. */
  CachedView offer(String key, CachedView candidate) {
    CachedView current = entries.get(key);
    if (current != null && !current.isNotFound() && !candidate.isNotFound() && current.version > candidate.version) {
      current.expiresAt = Math.max(current.expiresAt, candidate.expiresAt);
      return current;
    }
    if (current != null && !current.isNotFound() && candidate.isNotFound()) {
      // A view we served cannot vanish (nothing is deleted); treat "not found" as a transient miss.
      return current;
    }
    entries.put(key, candidate);
    return candidate;
  }

  void forEach(Consumer<CachedView> action) {
    entries.values().forEach(action);
  }

  int size() {
    return entries.size();
  }
}
