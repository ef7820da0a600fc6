package io.flashsale.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** Turns every failure into API.md's error body: the one place where error JSON is built. */
public final class ErrorResponder {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorResponder() {
  }

  /** The router's failure handler. */
  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ApiException api = classify(failure, ctx.statusCode());
    if (api.code() == ErrorCode.INTERNAL) {
      LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), failure);
    } else if (api.code() == ErrorCode.UNAVAILABLE && failure != null) {
      LOG.warn("dependency failure on {} {}: {}", ctx.request().method(), ctx.request().path(), failure.toString());
    }
    send(ctx, api);
  }

  public static void send(RoutingContext ctx, ApiException e) {
    send(ctx.response(), e);
  }

  /** Writes the error body; also used by the hot display path, which runs outside the router. */
  public static void send(HttpServerResponse response, ApiException e) {
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(e.code().status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.RATE_LIMITED) {
      Object seconds = e.details().getValue("retryAfterSeconds");
      response.putHeader(RETRY_AFTER, seconds instanceof Number n ? String.valueOf(n.longValue()) : "1");
    }
    if (e.code() == ErrorCode.UNAUTHORIZED) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.end(e.toJson().toBuffer());
  }

  /** Maps a failure (or a bare status set by Vert.x Web) to an API error. */
  public static ApiException classify(Throwable failure, int status) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure != null && isDependencyFailure(failure)) {
      return ApiException.unavailable("a dependency is unavailable, retry shortly; nothing was changed");
    }
    if (failure == null || failure instanceof io.vertx.ext.web.handler.HttpException) {
      int code = failure instanceof io.vertx.ext.web.handler.HttpException he ? he.getStatusCode() : status;
      return switch (code) {
        case 400 -> new ApiException(ErrorCode.BAD_REQUEST, "bad request");
        case 401 -> new ApiException(ErrorCode.UNAUTHORIZED, "missing, invalid or expired token");
        case 403 -> new ApiException(ErrorCode.FORBIDDEN, "forbidden");
        case 404 -> new ApiException(ErrorCode.NOT_FOUND, "no such resource");
        case 405 -> new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed");
        case 413 -> new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than the limit");
        case 415 -> new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json");
        case 503 -> ApiException.unavailable("temporarily unavailable");
        default -> new ApiException(ErrorCode.INTERNAL, "internal error");
      };
    }
    return new ApiException(ErrorCode.INTERNAL, "internal error");
  }

  /** Connection loss, timeouts, pool exhaustion and server shutdowns: the client should retry later. */
  public static boolean isDependencyFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String name = c.getClass().getName();
      if (c instanceof IOException || c instanceof TimeoutException
          || name.startsWith("io.vertx.core.net.") || name.contains("ConnectException")
          || name.contains("ClosedConnection") || name.contains("NoStackTraceTimeoutException")
          || name.contains("PoolTooBusy") || name.contains("ConnectionPool")
          || name.startsWith("org.apache.kafka.common.errors")) {
        return true;
      }
      if (c instanceof PgException pg && pg.getSqlState() != null
          && (pg.getSqlState().startsWith("08") || pg.getSqlState().startsWith("57")
          || pg.getSqlState().startsWith("53") || "40001".equals(pg.getSqlState())
          || "40P01".equals(pg.getSqlState()))) {
        return true;
      }
      // vertx-redis-client fails the commands in flight on a dropped connection with "CONNECTION_CLOSED".
      if (name.startsWith("io.vertx.redis.client") || "CONNECTION_CLOSED".equals(c.getMessage())) {
        return true;
      }
      if (c.getMessage() != null && (c.getMessage().contains("Connection refused")
          || c.getMessage().contains("Connection is closed") || c.getMessage().contains("Timeout"))) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}
