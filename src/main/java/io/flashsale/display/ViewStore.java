package io.flashsale.display;

import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.function.Function;

import java.util.List;

/** The Redis side of the read model: versioned compare-and-set writes that announce themselves, and reads. */
public final class ViewStore {

  private static final LuaScript PUT = LuaScript.load("view_put.lua");

  private final Redis redis;
  private final RedisKeys keys;
  private final Function<Request, Future<Response>> reader;

  public ViewStore(Redis redis, RedisKeys keys) {
    this(redis, keys, redis::send);
  }

  /** {@code reader} carries the reads (the hot path can give pipelined connections); writes use {@code redis}. */
  public ViewStore(Redis redis, RedisKeys keys, Function<Request, Future<Response>> reader) {
    this.redis = redis;
    this.keys = keys;
    this.reader = reader;
  }

  /** Writes the view if it is newer than the stored one; answers whether it was written. */
  public Future<Boolean> put(View view) {
    return putEncoded(view.key(), view.version(), ViewCodec.encode(view.version(), view.json()));
  }

  public Future<Boolean> putEncoded(String key, long version, Buffer encoded) {
    return PUT.run(redis, List.of(key), List.of(version, encoded, keys.viewInvalidationChannel(), 0))
        .map(r -> r.toInteger() == 1);
  }

  /** The stored (encoded) view, or {@code null}. */
  public Future<Buffer> get(String key) {
    return reader.apply(Request.cmd(Command.HGET).arg(key).arg("d")).map(r -> r == null ? null : r.toBuffer());
  }

  public Future<Long> storedVersion(String key) {
    return redis.send(Request.cmd(Command.HGET).arg(key).arg("v")).map(r -> r == null ? null : r.toLong());
  }
}
