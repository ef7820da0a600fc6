package io.flashsale.cli;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.catalog.DemoCatalog;
import io.flashsale.catalog.SaleEvent;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.Migrations;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * {@code seed}: writes a reproducible demo catalog through the same write path as the admin API (so every change
 * lands in the outbox and reaches the views once the app runs).
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
    description = "Seed products, stock, users and an open sale event (idempotent; same data each run).")
final class SeedCommand implements Callable<Integer> {

  @Option(names = "--event", defaultValue = "demo", description = "event id (default ${DEFAULT-VALUE})")
  String eventId;

  @Option(names = "--products", defaultValue = "200", description = "products in the event (default ${DEFAULT-VALUE})")
  int products;

  @Option(names = "--users", defaultValue = "1000", description = "users u1..uN (default ${DEFAULT-VALUE})")
  int users;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (products < 0 || products > 1_000_000 || users < 0 || users > 10_000_000) {
      System.err.println("--products must be 0..1000000 and --users 0..10000000");
      return 2;
    }
    AppConfig config = AppConfig.load();
    PgConfig pg = PgConfig.from(config);
    Migrations.migrate(pg);
    Vertx vertx = Vertx.vertx();
    Pool pool = pg.pool(vertx, "pg-seed", 8);
    long started = System.nanoTime();
    try {
      CatalogStore store = new CatalogStore(pool, Topics.from(config));
      List<DemoCatalog.Entry> entries = DemoCatalog.products(products, seed);
      Progress p1 = new Progress(System.out, "products", entries.size());
      Concurrently.forEach(entries, 16, e -> store.upsertProduct(e.product())
          .compose(x -> store.setStock(e.product().productId(), e.stock())).onSuccess(x -> p1.step(1)))
          .await(10, TimeUnit.MINUTES);
      SaleEvent event = DemoCatalog.demoEvent(eventId, entries, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      store.upsertEvent(event).await(2, TimeUnit.MINUTES);
      System.out.printf("event      '%s' open %s .. %s with %d products%n", eventId, event.startsAt(), event.endsAt(),
          event.items().size());
      Progress p2 = new Progress(System.out, "users", users);
      List<Integer> userIds = IntStream.rangeClosed(1, users).boxed().toList();
      Concurrently.forEach(userIds, 16, i -> store.upsertUser("u" + i, DemoCatalog.gradeOf(i, seed))
          .onSuccess(x -> p2.step(1))).await(30, TimeUnit.MINUTES);
      System.out.printf("seeded %d products, 1 event, %d users in %.1f s%n", entries.size(), users,
          (System.nanoTime() - started) / 1e9);
      return 0;
    } catch (Exception e) {
      System.err.println("seed failed: " + e);
      return 1;
    } finally {
      pool.close();
      Cli.closeQuietly(vertx);
    }
  }
}
