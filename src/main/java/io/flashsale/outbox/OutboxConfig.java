package io.flashsale.outbox;

import io.flashsale.infra.AppConfig;

/** Outbox relay settings, from {@code outbox.*} config keys: rows per published batch, and the sweep between wake-ups. */
public record OutboxConfig(int batchSize, long sweepMillis) {

  public static OutboxConfig from(AppConfig c) {
    return new OutboxConfig(c.integer("outbox.batchSize"), c.integer("outbox.sweepMillis"));
  }
}
