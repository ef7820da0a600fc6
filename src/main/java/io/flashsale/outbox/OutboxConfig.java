package io.flashsale.outbox;

import io.flashsale.infra.AppConfig;

/**
 * Outbox relay settings, from {@code outbox.*} config keys: rows per published batch, the sweep between wake-ups, and
 * the least time between the starts of two relay rounds (wake-ups inside it wait for its end and share one round).
 */
public record OutboxConfig(int batchSize, long sweepMillis, long roundMillis) {

  public static OutboxConfig from(AppConfig c) {
    return new OutboxConfig(c.integer("outbox.batchSize"), c.integer("outbox.sweepMillis"),
        c.integer("outbox.roundMillis"));
  }
}
