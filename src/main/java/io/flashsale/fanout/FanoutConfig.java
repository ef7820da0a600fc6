package io.flashsale.fanout;

import io.flashsale.infra.AppConfig;

/** Fan-out settings, from {@code fanout.*} config keys: attempts at an effect before its dead letter, and the first backoff. */
public record FanoutConfig(int maxAttempts, long retryBackoffMillis) {

  public static FanoutConfig from(AppConfig c) {
    return new FanoutConfig(c.integer("fanout.maxAttempts"), c.integer("fanout.retryBackoffMillis"));
  }
}
