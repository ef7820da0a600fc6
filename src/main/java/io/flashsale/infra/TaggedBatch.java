package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Write commands that need no answer, pipelined by hash tag. On a Redis Cluster a pipeline must stay in one slot, so
 * the commands are grouped by their key's tag and the groups go a few at a time; on one server everything is one
 * group. Inside a group the commands keep their order (an SADD and a later SREM of one member), in chunks of
 * {@value #CHUNK}, each after the one before.
 */
public final class TaggedBatch {

  private static final int CHUNK = 1_000;
  private static final int GROUPS_AT_ONCE = 8;

  private final boolean cluster;
  private final Map<String, List<Request>> byTag = new LinkedHashMap<>();

  public TaggedBatch(RedisKeys keys) {
    this.cluster = keys.cluster();
  }

  /** Adds a command whose slot is {@code key}'s (a keyless command, such as PUBLISH, rides with that key's group). */
  public TaggedBatch add(String key, Request request) {
    byTag.computeIfAbsent(cluster ? tagOf(key) : "", k -> new ArrayList<>()).add(request);
    return this;
  }

  public Future<Void> send(Redis redis) {
    if (byTag.isEmpty()) {
      return Future.succeededFuture();
    }
    if (!cluster) {
      return send(redis::batch);
    }
    // One cluster connection for every group: the pooled cluster client would take a connection to every master for
    // each group (a rebuild writes over a hundred groups per coupon).
    return redis.connect().compose(conn -> send(conn::batch).eventually(conn::close));
  }

  private Future<Void> send(Function<List<Request>, Future<List<Response>>> batch) {
    return Concurrently.forEach(new ArrayList<>(byTag.values()), GROUPS_AT_ONCE, group -> {
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < group.size(); i += CHUNK) {
        List<Request> chunk = group.subList(i, Math.min(group.size(), i + CHUNK));
        chain = chain.compose(x -> batch.apply(chunk).mapEmpty());
      }
      return chain;
    });
  }

  /** Redis Cluster's rule: the part between the first {@code {}} and the next {@code }}}, when not empty. */
  static String tagOf(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        return key.substring(open + 1, close);
      }
    }
    return key;
  }
}
