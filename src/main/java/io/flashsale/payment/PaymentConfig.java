package io.flashsale.payment;

import io.flashsale.infra.AppConfig;

/** The payment provider and its breaker, from {@code payment.*} config keys. */
public record PaymentConfig(String url, long timeoutMillis, int breakerMaxFailures, long breakerResetMillis) {

  public static PaymentConfig from(AppConfig c) {
    return new PaymentConfig(c.string("payment.url"), c.integer("payment.timeoutMillis"),
        c.integer("payment.breakerMaxFailures"), c.integer("payment.breakerResetMillis"));
  }
}
