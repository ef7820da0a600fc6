package io.flashsale.ops;

import io.flashsale.infra.LocalFigures;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;

import java.util.concurrent.TimeUnit;

/** {@code GET /health}: Redis and PostgreSQL asked live (1 s budget each), Kafka from the background probe. */
public final class HealthRoutes {

  /** The cheapest statement that proves a connection and a backend answer. */
  private static final String PG_PROBE = "select 1";

  private final Vertx vertx;
  private final Redis redis;
  private final Pool pool;

  public HealthRoutes(Vertx vertx, Redis redis, Pool pool) {
    this.vertx = vertx;
    this.redis = redis;
    this.pool = pool;
  }

  public void handle(RoutingContext ctx) {
    Future<String> redisCheck = check(redis.send(Request.cmd(Command.PING)));
    Future<String> pgCheck = check(pool.query(PG_PROBE).execute());
    Future.join(redisCheck, pgCheck).onComplete(x -> {
      Object kafka = vertx.sharedData().getLocalMap(LocalFigures.MAP).get(LocalFigures.KAFKA);
      JsonObject checks = new JsonObject().put("redis", redisCheck.result()).put("postgres", pgCheck.result())
          .put("kafka", kafka == null ? "UNKNOWN" : kafka);
      boolean up = checks.stream().allMatch(e -> "UP".equals(e.getValue()));
      JsonObject body = up ? new JsonObject()
          : new ApiException(ErrorCode.UNAVAILABLE, "a dependency is down", checks).toJson();
      body.put("status", up ? "UP" : "DOWN").put("checks", checks);
      if (!up) {
        ctx.response().putHeader("Retry-After", "1");
      }
      ctx.response().setStatusCode(up ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(body.toBuffer());
    });
  }

  private static Future<String> check(Future<?> probe) {
    return probe.timeout(1, TimeUnit.SECONDS).map("UP").otherwise("DOWN");
  }
}
