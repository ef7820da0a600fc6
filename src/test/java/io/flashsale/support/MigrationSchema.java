package io.flashsale.support;

import io.flashsale.infra.Migrations;
import io.flashsale.infra.PgConfig;

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

  /** Migrates the schema up to {@code version}, as the app migrates its own. */
  public void migrateTo(String version) {
    Migrations.configure(pg).schemas(schema).defaultSchema(schema).target(version).load().migrate();
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
