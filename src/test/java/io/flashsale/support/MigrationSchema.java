package io.flashsale.support;

import io.flashsale.infra.PgConfig;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A schema of its own for a migration's test: migrated to a chosen version, filled, then migrated on. */
public final class MigrationSchema {

  private final String schema;
  private final PgConfig pg = PgConfig.from(TestInfra.config());

  public MigrationSchema(String schema) {
    this.schema = schema;
  }

  /** Migrates the schema up to {@code version} ({@code null}: every migration). */
  public void migrateTo(String version) {
    var configure = Flyway.configure().dataSource(pg.jdbcUrl(), pg.user(), pg.password())
        .schemas(schema).defaultSchema(schema).locations("classpath:db/migration");
    (version == null ? configure : configure.target(version)).load().migrate();
  }

  /** A connection that finds the schema's tables first. */
  public Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    try (Statement s = c.createStatement()) {
      s.execute("set search_path = " + schema);
    }
    return c;
  }

  public void drop() throws SQLException {
    try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
         Statement s = c.createStatement()) {
      s.execute("drop schema if exists " + schema + " cascade");
    }
  }
}
