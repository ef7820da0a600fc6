package io.flashsale.infra;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** How to reach PostgreSQL, from {@code pg.*} config keys. */
public record PgConfig(String host, int port, String database, String user, String password, int poolSize) {

  public static PgConfig from(AppConfig config) {
    return new PgConfig(config.string("pg.host"), config.integer("pg.port"), config.string("pg.database"),
        config.string("pg.user"), config.string("pg.password"), config.integer("pg.poolSize"));
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user)
        .setPassword(password).setCachePreparedStatements(true).setPipeliningLimit(256)
        .setReconnectAttempts(0);
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
