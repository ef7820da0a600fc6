package io.flashsale.cli;

import io.flashsale.FlashsaleApp;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Migrations;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code serve}: migrates the database, then runs every verticle until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Migrate the database and serve the HTTP API (Ctrl-C stops cleanly).")
final class ServeCommand implements Callable<Integer> {

  private static volatile boolean serving;

  @Option(names = "--port", description = "HTTP port (default: http.port, env FLASHSALE_HTTP_PORT)")
  Integer port;

  @Option(names = "--no-migrate", description = "Do not run database migrations first")
  boolean noMigrate;

  static boolean serving() {
    return serving;
  }

  @Override
  public Integer call() throws Exception {
    AppConfig config = AppConfig.load();
    if (port != null) {
      config = config.with(new JsonObject().put("http.port", port));
    }
    config.checkSafeForEnvironment();
    if (!noMigrate) {
      var result = Migrations.migrate(PgConfig.from(config));
      System.out.printf("database migrated (%d migration(s) applied, schema version %s)%n",
          result.migrationsExecuted, result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion);
    }
    Vertx vertx = FlashsaleApp.newVertx(config);
    try {
      FlashsaleApp.deploy(vertx, config).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("flashsale failed to start: " + e);
      vertx.close().await(10, TimeUnit.SECONDS);
      io.flashsale.infra.Tracing.stop();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("\nflashsale stopping...");
      try {
        vertx.close().await(15, TimeUnit.SECONDS);
        io.flashsale.infra.Tracing.stop();
        System.out.println("flashsale stopped");
      } catch (Exception e) {
        System.err.println("flashsale did not stop cleanly: " + e);
      }
    }, "flashsale-shutdown"));
    serving = true;
    int p = config.integer("http.port");
    System.out.printf("flashsale serving on http://127.0.0.1:%d  (env %s)%n", p, config.isProd() ? "prod" : "dev");
    return 0;
  }
}
