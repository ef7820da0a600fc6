package io.flashsale.infra;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/** Brings the PostgreSQL schema up to date with Flyway; JDBC, so it runs before any event loop serves. */
public final class Migrations {

  private Migrations() {
  }

  public static MigrateResult migrate(PgConfig pg) {
    return configure(pg).load().migrate();
  }

  /** Flyway as the app runs it, to be narrowed further (a schema, a target version: the migrations' tests). */
  public static FluentConfiguration configure(PgConfig pg) {
    return Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .locations("classpath:db/migration")
        .connectRetries(10);
  }
}
