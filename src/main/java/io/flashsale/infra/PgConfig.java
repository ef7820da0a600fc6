package io.flashsale.infra;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * How to reach PostgreSQL, from {@code pg.*} config keys.
 *
 * <p>{@code planCacheMode} is the session's {@code plan_cache_mode} ({@code auto}: the server's own). Our statements
 * are prepared once per connection and run thousands of times, with ids and arrays of ids as their parameters; by
 * default ({@code force_generic_plan}) each keeps the one plan PostgreSQL makes for it, which is made again whenever
 * ANALYZE or VACUUM changes its tables' statistics. Left to {@code auto}, PostgreSQL compares that plan with plans for
 * each call's values — and for a batch statement's array the generic plan always counts the 10 elements it assumes, a
 * call's plan the 2 or 3 it has, so the batch statements were planned again at every call (measured 2026-12-07: ~0.1
 * CPU ms per order, and a placement statement flipping to per-call plans in some runs, not others). A statement whose
 * best plan depends on its values (an optional filter, a range) gets a per-call plan in its own transaction, or from
 * its pool's session settings.
 */
public record PgConfig(String host, int port, String database, String user, String password, int poolSize,
                       String planCacheMode) {

  /** The values of {@code pg.planCacheMode}, as PostgreSQL's {@code plan_cache_mode} names them. */
  static final java.util.Set<String> PLAN_CACHE_MODES = java.util.Set.of("auto", "force_generic_plan",
      "force_custom_plan");

  public PgConfig {
    if (!PLAN_CACHE_MODES.contains(planCacheMode)) {
      throw new IllegalArgumentException("pg.planCacheMode must be one of auto, force_generic_plan or"
          + " force_custom_plan, not '" + planCacheMode + "'");
    }
  }

  public static PgConfig from(AppConfig config) {
    return new PgConfig(config.string("pg.host"), config.integer("pg.port"), config.string("pg.database"),
        config.string("pg.user"), config.string("pg.password"), config.integer("pg.poolSize"),
        config.string("pg.planCacheMode"));
  }

  public PgConnectOptions connectOptions() {
    PgConnectOptions options = new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user)
        .setPassword(password).setCachePreparedStatements(true).setPipeliningLimit(256)
        .setReconnectAttempts(0);
    if (!"auto".equals(planCacheMode)) {
      options.addProperty("plan_cache_mode", planCacheMode);
    }
    return options;
  }

  /** Pool options; {@code name} labels the pool's metrics (unique per pool instance). */
  public PoolOptions poolOptions(String name) {
    return new PoolOptions().setName(name + "-" + Integer.toHexString(System.identityHashCode(new Object())))
        .setMaxSize(poolSize).setMaxWaitQueueSize(4096).setConnectionTimeout(5)
        .setIdleTimeout(60);
  }

  /** A pool bound to the calling verticle's context; {@code maxSize <= 0} means {@code pg.poolSize}. */
  public Pool pool(Vertx vertx, String name, int maxSize) {
    return pool(vertx, name, maxSize, java.util.Map.of());
  }

  /** The same, with session settings sent at connect (e.g. {@code lock_timeout}, in milliseconds). */
  public Pool pool(Vertx vertx, String name, int maxSize, java.util.Map<String, String> sessionSettings) {
    PoolOptions options = poolOptions(name);
    if (maxSize > 0) {
      options.setMaxSize(maxSize);
    }
    PgConnectOptions connect = connectOptions();
    sessionSettings.forEach(connect::addProperty);
    return PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build();
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }
}
