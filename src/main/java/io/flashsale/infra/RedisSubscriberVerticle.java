package io.flashsale.infra;

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
 * Subscribes to our Redis pub/sub channels on one dedicated connection per process and republishes each message on
 * the local event bus: view invalidations to every near cache, stock flags to the sold-out board. After a reconnect
 * it tells both to forget what they may have missed ({@code *|0} and {@code reset}).
 */
public final class RedisSubscriberVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriberVerticle.class);

  private final AppConfig config;
  private Redis client;
  private RedisConnection connection;
  private boolean stopping;
  private boolean everConnected;

  public RedisSubscriberVerticle(AppConfig config) {
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
    RedisKeys keys = RedisKeys.from(config);
    client.connect().compose(conn -> {
      connection = conn;
      conn.handler(this::onPush);
      conn.exceptionHandler(err -> reconnect(conn, "error: " + err));
      conn.endHandler(v -> reconnect(conn, "closed"));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(keys.viewInvalidationChannel()).arg(keys.stockChannel())
          .arg(keys.couponChannel()));
    }).onSuccess(ok -> {
      // Also on the first subscription: the API may have cached views before it, and an invalidation sent in that
      // window was not heard. Everything revalidates once (the caches are small at start).
      LOG.info("pub/sub {}; near caches revalidate and sold-out flags are forgotten",
          everConnected ? "re-subscribed" : "subscribed");
      vertx.eventBus().publish(BusAddresses.VIEW_INVALIDATED, "*|0");
      vertx.eventBus().publish(BusAddresses.STOCK_CHANGED, "reset");
      vertx.eventBus().publish(BusAddresses.COUPON_CHANGED, "*");
      everConnected = true;
    }).onFailure(err -> {
      long delay = Math.min(5_000L, 100L << Math.min(attempt, 6));
      if (attempt == 0) {
        LOG.warn("cannot subscribe to Redis channels ({}); retrying", err.toString());
      }
      vertx.setTimer(delay, id -> connect(attempt + 1));
    });
  }

  private void reconnect(RedisConnection conn, String why) {
    if (conn != connection || stopping) {
      return;
    }
    connection = null;
    LOG.warn("Redis subscription lost ({}); reconnecting", why);
    conn.close();
    vertx.setTimer(200, id -> connect(1));
  }

  private void onPush(Response push) {
    // RESP2 delivers pub/sub messages as arrays, RESP3 as push frames: ["message", channel, payload]
    if (push == null || (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) || push.size() < 3) {
      return;
    }
    if ("message".equals(push.get(0).toString())) {
      String channel = push.get(1).toString();
      RedisKeys keys = RedisKeys.from(config);
      String address = channel.equals(keys.stockChannel()) ? BusAddresses.STOCK_CHANGED
          : channel.equals(keys.couponChannel()) ? BusAddresses.COUPON_CHANGED : BusAddresses.VIEW_INVALIDATED;
      vertx.eventBus().publish(address, push.get(2).toString());
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return client.close();
  }
}
