package io.flashsale.display;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/** Exposes the display path on /metrics: views rebuilt from PostgreSQL, and the near cache's size. */
public final class DisplayMetrics {

  private DisplayMetrics() {
  }

  public static void register(DisplayService.Shared shared) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return;
    }
    FunctionCounter.builder("flashsale_view_rebuilds", shared.rebuilds(), r -> r.get())
        .description("views built from PostgreSQL by the display path (misses in Redis, or Redis down)")
        .register(registry);
    Gauge.builder("flashsale_near_cache_entries", shared.cache(), NearCache::size)
        .description("responses held in this process's near cache").register(registry);
  }
}
