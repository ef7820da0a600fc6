package io.flashsale.infra;

import io.vertx.redis.client.RedisOptions;

/** How to reach Redis, from {@code redis.*} config keys; {@code prefix} namespaces every key and channel. */
public record RedisConfig(String url, int poolSize, String prefix) {

  public static RedisConfig from(AppConfig config) {
    return new RedisConfig(config.string("redis.url"), config.integer("redis.poolSize"), config.string("redis.prefix"));
  }

  public RedisOptions options() {
    return new RedisOptions().setConnectionString(url).setMaxPoolSize(poolSize).setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(4096).setPoolRecycleTimeout(15_000);
  }
}
