package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few long-lived Redis connections owned by one verticle, used round-robin. Unlike the pooled client (one command
 * per connection at a time), a connection pipelines every command sent on it, which is what a hot read path needs.
 * A lost connection is replaced in the background; meanwhile commands go through the pooled client.
 */
public final class PipelinedRedis {

  private static final Logger LOG = LoggerFactory.getLogger(PipelinedRedis.class);

  private final Vertx vertx;
  private final Redis client;
  private final RedisConnection[] lanes;
  private int next;
  private boolean closed;

  public PipelinedRedis(Vertx vertx, Redis client, int lanes) {
    this.vertx = vertx;
    this.client = client;
    this.lanes = new RedisConnection[lanes];
    for (int i = 0; i < lanes; i++) {
      connect(i, 0);
    }
  }

  public Future<Response> send(Request request) {
    for (int tries = 0; tries < lanes.length; tries++) {
      // floorMod: the counter wraps to negative after 2^31 calls.
      RedisConnection lane = lanes[Math.floorMod(next++, lanes.length)];
      if (lane != null) {
        return lane.send(request);
      }
    }
    return client.send(request);
  }

  private void connect(int index, int attempt) {
    if (closed) {
      return;
    }
    client.connect().onSuccess(conn -> {
      lanes[index] = conn;
      conn.exceptionHandler(err -> drop(index, conn));
      conn.endHandler(v -> drop(index, conn));
    }).onFailure(err -> {
      if (attempt == 0) {
        LOG.warn("Redis lane {} not connected ({}); retrying in the background", index, err.toString());
      }
      vertx.setTimer(Math.min(5_000L, 100L << Math.min(attempt, 6)), id -> connect(index, attempt + 1));
    });
  }

  private void drop(int index, RedisConnection conn) {
    if (lanes[index] == conn) {
      lanes[index] = null;
      try {
        conn.close();
      } catch (IllegalStateException alreadyClosed) {
        // A cluster connection whose node connections the error already gave back: nothing left to close.
      }
      vertx.setTimer(100, id -> connect(index, 1));
    }
  }

  public Future<Void> close() {
    closed = true;
    for (RedisConnection lane : lanes) {
      if (lane != null) {
        lane.close();
      }
    }
    return Future.succeededFuture();
  }
}
