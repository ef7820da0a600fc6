package io.flashsale.admission;

import io.flashsale.infra.AppConfig;

/**
 * Admission control settings, from {@code ratelimit.*} and {@code queue.*} config keys: the write buckets per user
 * and per client address (0 per second = off), the proxies whose {@code X-Forwarded-For} is believed, how long a
 * limiter decision may wait on Redis before the request goes through unlimited, and the waiting rooms' timers, puzzle
 * lifetime and signing secret (empty = derived from {@code auth.jwtSecret}).
 */
public record AdmissionConfig(boolean rateLimitEnabled, double perUserPerSecond, double perUserBurst,
                              double perIpPerSecond, double perIpBurst, String trustedProxies,
                              long limiterTimeoutMillis, long tickMillis, long refreshMillis,
                              long challengeTtlSeconds, String secret) {

  public static AdmissionConfig from(AppConfig c) {
    double perIp = c.integer("ratelimit.perIpPerSecond");
    String secret = c.string("queue.secret").isEmpty() ? "queue:" + c.string("auth.jwtSecret") : c.string("queue.secret");
    AdmissionConfig config = new AdmissionConfig(c.bool("ratelimit.enabled"), c.integer("ratelimit.perUserPerSecond"),
        c.integer("ratelimit.perUserBurst"), perIp,
        c.integer("ratelimit.perIpBurst") > 0 ? c.integer("ratelimit.perIpBurst") : 2 * perIp,
        c.string("ratelimit.trustedProxies"), c.integer("ratelimit.timeoutMillis"), c.integer("queue.tickMillis"),
        c.integer("queue.refreshMillis"), c.integer("queue.challengeTtlSeconds"), secret);
    if (config.perUserPerSecond <= 0 || config.perUserBurst < 1) {
      throw new IllegalStateException("ratelimit.perUserPerSecond must be > 0 and ratelimit.perUserBurst >= 1"
          + " (switch limits off with ratelimit.enabled=false)");
    }
    if (config.limiterTimeoutMillis < 1) {
      throw new IllegalStateException("ratelimit.timeoutMillis must be at least 1");
    }
    if (config.tickMillis < 10 || config.refreshMillis < 100 || config.challengeTtlSeconds < 10) {
      throw new IllegalStateException("queue.tickMillis >= 10, queue.refreshMillis >= 100 and"
          + " queue.challengeTtlSeconds >= 10 are required");
    }
    new ClientAddress(config.trustedProxies);
    return config;
  }

  /** The join puzzles, signed with this config's secret. */
  public Puzzle puzzle() {
    return new Puzzle(new Signer(secret), new java.security.SecureRandom());
  }

  /** The admission tokens, signed with this config's secret. */
  public AdmissionTokens tokens() {
    return new AdmissionTokens(new Signer(secret));
  }
}
