package io.flashsale.display;

import io.flashsale.infra.AppConfig;

/**
 * Display settings, from {@code display.*} config keys: the near cache (on/off, entry TTL, size bound), how long an
 * unknown id is remembered, XFetch's beta, the rebuild lock's lease, and how often sale boundaries are polled.
 */
public record DisplayConfig(boolean nearCache, long nearCacheTtlMillis, int nearCacheMaxEntries, long notFoundTtlMillis,
                            double xfetchBeta, long rebuildLockMillis, long boundaryPollMillis) {

  public static DisplayConfig from(AppConfig c) {
    return new DisplayConfig(c.bool("display.nearCache"), c.integer("display.nearCacheTtlMillis"),
        c.integer("display.nearCacheMaxEntries"), c.integer("display.notFoundTtlMillis"),
        Double.parseDouble(c.string("display.xfetchBeta")), c.integer("display.rebuildLockMillis"),
        c.integer("display.boundaryPollMillis"));
  }

  /** What one API verticle's display service needs of these. */
  public DisplayService.Settings settings() {
    return new DisplayService.Settings(nearCache, nearCacheTtlMillis, notFoundTtlMillis, xfetchBeta, rebuildLockMillis);
  }
}
