package io.flashsale.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The {@code Date} header every answer carries, in RFC 9110's IMF-fixdate form ({@code Tue, 01 Dec 2026 09:05:03 GMT}),
 * formatted once a second by a timer of the verticle that owns it rather than once per answer (TechEmpower's way).
 */
public final class DateHeader {

  /** IMF-fixdate: a two-digit day, unlike {@link DateTimeFormatter#RFC_1123_DATE_TIME}. */
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
      .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final Clock clock;
  private final long timer;
  private CharSequence value;

  /** Starts the one-second refresh on the caller's context (a verticle's start). */
  public DateHeader(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    refresh();
    this.timer = vertx.setPeriodic(1000, id -> refresh());
  }

  public static String format(Instant t) {
    return IMF_FIXDATE.format(t);
  }

  private void refresh() {
    value = HttpHeaders.createOptimized(format(clock.instant()));
  }

  /** The current value; read on the owning verticle's event loop. */
  public CharSequence value() {
    return value;
  }

  public void close() {
    vertx.cancelTimer(timer);
  }
}
