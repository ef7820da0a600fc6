package io.flashsale.infra;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;

import java.util.Arrays;
import java.util.List;

/**
 * How to reach Redis, from {@code redis.*} config keys: {@code mode} {@code standalone} (one server at {@code url}) or
 * {@code cluster} ({@code url} a comma-separated list of seed nodes of a Redis Cluster); {@code prefix} namespaces
 * every key and channel. Redlock's nodes are not this: they are independent servers ({@code inventory.redlockNodes}).
 */
public record RedisConfig(String mode, String url, int poolSize, String prefix) {

  public static RedisConfig from(AppConfig config) {
    String mode = config.string("redis.mode");
    if (!mode.equals("standalone") && !mode.equals("cluster")) {
      throw new IllegalArgumentException("redis.mode (FLASHSALE_REDIS_MODE) must be standalone or cluster, got '"
          + mode + "'");
    }
    return new RedisConfig(mode, config.string("redis.url"), config.integer("redis.poolSize"),
        config.string("redis.prefix"));
  }

  public boolean cluster() {
    return mode.equals("cluster");
  }

  /** The seed endpoints ({@code url} split at commas). */
  public List<String> endpoints() {
    return Arrays.stream(url.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  public RedisOptions options() {
    RedisOptions o = new RedisOptions().setMaxPoolSize(poolSize).setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(4096).setPoolRecycleTimeout(15_000);
    if (!cluster()) {
      return o.setConnectionString(url);
    }
    // Every command to the slot's master: a replica's answer could be behind the write it follows.
    o.setType(RedisClientType.CLUSTER).setUseReplicas(RedisReplicas.NEVER);
    endpoints().forEach(o::addConnectionString);
    return o;
  }
}
