package io.flashsale.infra;

import net.logstash.logback.argument.StructuredArgument;
import net.logstash.logback.argument.StructuredArguments;

/**
 * Log arguments that read as plain values in a text line and become their own fields in a JSON line
 * ({@code LOG.warn("capture of order {} failed", LogFields.orderId(id))} → {@code "orderId":"o-1"}).
 */
public final class LogFields {

  private LogFields() {
  }

  public static StructuredArgument orderId(String id) {
    return StructuredArguments.value("orderId", id);
  }

  public static StructuredArgument checkoutId(String id) {
    return StructuredArguments.value("checkoutId", id);
  }

  /** FLASHSALE_LOG_FORMAT's values; anything else stops the process before its first log line. */
  public static void checkFormat(String value) {
    if (value != null && !value.equals("text") && !value.equals("json")) {
      throw new IllegalArgumentException("FLASHSALE_LOG_FORMAT must be text or json, got '" + value + "'");
    }
  }
}
