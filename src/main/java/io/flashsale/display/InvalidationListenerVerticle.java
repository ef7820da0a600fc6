package io.flashsale.display;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to the view invalidation channel on a dedicated Redis connection and republishes each message on the
 * local event bus, where every API verticle's near cache listens. After a reconnect it asks every cache to
 * revalidate, since messages sent while disconnected are lost.
 */
public final class InvalidationListenerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(InvalidationListenerVerticle.class);

  private final AppConfig config;
  private Redis client;
  private RedisConnection connection;
  private boolean stopping;
  private boolean everConnected;

  public InvalidationListenerVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    client = Redis.createClient(vertx, RedisConfig.from(config).options());
    connect(0);
    return Future.succeededFuture();
  }

  private void connect(int attempt) {
    if (stopping) {
      return;
    }
    String channel = RedisKeys.from(config).viewInvalidationChannel();
    client.connect().compose(conn -> {
      connection = conn;
      conn.handler(this::onPush);
      conn.exceptionHandler(err -> reconnect(conn, "error: " + err));
      conn.endHandler(v -> reconnect(conn, "closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel));
    }).onSuccess(ok -> {
      if (everConnected) {
        LOG.info("invalidation channel re-subscribed; asking near caches to revalidate");
        vertx.eventBus().publish(BusAddresses.VIEW_INVALIDATED, "*|0");
      }
      everConnected = true;
    }).onFailure(err -> {
      long delay = Math.min(5_000L, 100L << Math.min(attempt, 6));
      if (attempt == 0) {
        LOG.warn("cannot subscribe to view invalidations ({}); retrying", err.toString());
      }
      vertx.setTimer(delay, id -> connect(attempt + 1));
    });
  }

  private void reconnect(RedisConnection conn, String why) {
    if (conn != connection || stopping) {
      return;
    }
    connection = null;
    LOG.warn("invalidation subscription lost ({}); reconnecting", why);
    conn.close();
    vertx.setTimer(200, id -> connect(1));
  }

  private void onPush(Response push) {
    // RESP2 delivers pub/sub messages as arrays, RESP3 as push frames: ["message", channel, payload]
    if (push == null || (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) || push.size() < 3) {
      return;
    }
    if ("message".equals(push.get(0).toString())) {
      vertx.eventBus().publish(BusAddresses.VIEW_INVALIDATED, push.get(2).toString());
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return client.close();
  }
}
