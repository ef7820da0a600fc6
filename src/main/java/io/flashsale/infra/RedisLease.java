package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.List;
import java.util.UUID;

/**
 * A short single-node lease in Redis (a rebuild lock): taken with {@code SET NX PX} and a random token, released only
 * by its holder (compare-and-delete), so a holder that outlived its lease cannot free the next holder's. Not Redlock:
 * for work that is safe to repeat, where the lease only keeps processes from doing it at the same time.
 */
public final class RedisLease {

  private static final LuaScript RELEASE = LuaScript.load("redlock_release.lua");

  private RedisLease() {
  }

  /** Our token, or {@code null} when another holder has the lease. */
  public static Future<String> tryTake(Redis redis, String key, long ttlMs) {
    String token = UUID.randomUUID().toString();
    return redis.send(Request.cmd(Command.SET).arg(key).arg(token).arg("NX").arg("PX").arg(ttlMs))
        .map(r -> r != null && "OK".equals(r.toString()) ? token : null);
  }

  public static Future<Void> release(Redis redis, String key, String token) {
    return RELEASE.run(redis, List.of(key), List.of(token)).mapEmpty();
  }
}
