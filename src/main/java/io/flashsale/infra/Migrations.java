package io.flashsale.infra;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Brings the PostgreSQL schema up to date with Flyway; JDBC, so it runs before any event loop serves. */
public final class Migrations {

  private Migrations() {
  }

  public static MigrateResult migrate(PgConfig pg) {
    Flyway flyway = Flyway.configure()
        .dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .locations("classpath:db/migration")
        .connectRetries(10)
        .load();
    return flyway.migrate();
  }
}
