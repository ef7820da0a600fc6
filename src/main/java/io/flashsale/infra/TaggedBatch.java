package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Commands pipelined by their keys' hash tags ({@link ShardedBatch} over tags read off the keys). On a Redis Cluster a
 * pipeline must stay in one slot, so the commands of one tag go as one pipeline, every tag's over one cluster
 * connection; on one server everything is one pipeline. The answers come back in the order the commands were added.
 * Inside a tag the commands keep their order (an SADD and a later SREM of one member), in chunks of {@value #CHUNK},
 * each after the one before.
 */
public final class TaggedBatch {

  private static final int CHUNK = 1_000;

  private final boolean cluster;
  private final List<String> tags = new ArrayList<>();
  private final List<Request> requests = new ArrayList<>();

  public TaggedBatch(RedisKeys keys) {
    this.cluster = keys.cluster();
  }

  /** Adds a command whose slot is {@code key}'s (a keyless command, such as PUBLISH, rides with that key's group). */
  public TaggedBatch add(String key, Request request) {
    tags.add(cluster ? tagOf(key) : "");
    requests.add(request);
    return this;
  }

  public Future<List<Response>> send(Redis redis) {
    if (requests.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (!cluster) {
      return inChunks(redis::batch, requests);
    }
    // One cluster connection for every tag: the pooled cluster client would take a connection to every master for
    // each pipeline (a rebuild writes over a hundred tags per coupon).
    return redis.connect().compose(conn -> ShardedBatch.run(tags,
        indexes -> inChunks(conn::batch, indexes.stream().map(requests::get).toList())).eventually(conn::close));
  }

  private static Future<List<Response>> inChunks(Function<List<Request>, Future<List<Response>>> batch,
                                                 List<Request> group) {
    List<Response> answers = new ArrayList<>(group.size());
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < group.size(); i += CHUNK) {
      List<Request> chunk = group.subList(i, Math.min(group.size(), i + CHUNK));
      chain = chain.compose(x -> batch.apply(chunk).map(answers::addAll).mapEmpty());
    }
    return chain.map(answers);
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
