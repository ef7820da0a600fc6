package io.flashsale.cli;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Migrations;
import io.flashsale.infra.PgConfig;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code migrate}: brings the PostgreSQL schema up to date. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply pending database migrations.")
final class MigrateCommand implements Callable<Integer> {

  @Override
  public Integer call() throws Exception {
    PgConfig pg = PgConfig.from(AppConfig.load());
    var result = Migrations.migrate(pg);
    System.out.printf("database %s migrated: %d migration(s) applied%n", pg.jdbcUrl(), result.migrationsExecuted);
    return 0;
  }
}
