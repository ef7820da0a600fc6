package io.flashsale.cli;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.catalog.DemoCatalog;
import io.flashsale.catalog.SaleEvent;
import io.flashsale.catalog.UserProfile;
import io.flashsale.coupon.Coupon;
import io.flashsale.coupon.CouponStore;
import io.flashsale.coupon.DemoCoupons;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

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

  @Option(names = "--events", defaultValue = "1", description = "events: the first (--event) open now, the others "
      + "<event>-2.. opening hour by hour; products are split between them (default ${DEFAULT-VALUE})")
  int events;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--coupons", defaultValue = "20", description = "coupons c0001.. with mixed targets (default ${DEFAULT-VALUE})")
  int coupons;

  @Option(names = "--grant-share", defaultValue = "0.2",
      description = "share of users granted each coupon (default ${DEFAULT-VALUE})")
  double grantShare;

  @Override
  public Integer call() throws Exception {
    if (products < 0 || products > 1_000_000 || users < 0 || users > 10_000_000 || events < 1 || events > 100) {
      System.err.println("--products must be 0..1000000, --users 0..10000000 and --events 1..100");
      return 2;
    }
    if ((products + events - 1) / events > 10_000) {
      System.err.println("an event holds at most 10,000 products: use more --events");
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
          .compose(x -> store.setStock(e.product().productId(), e.stock(), null)).onSuccess(x -> p1.step(1)))
          .await(10, TimeUnit.MINUTES);
      Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      int perEvent = (entries.size() + events - 1) / events;
      for (int e = 0; e < events; e++) {
        String id = e == 0 ? eventId : eventId + "-" + (e + 1);
        List<DemoCatalog.Entry> slice = entries.subList(Math.min(entries.size(), e * perEvent),
            Math.min(entries.size(), (e + 1) * perEvent));
        SaleEvent event = DemoCatalog.event(id, e, slice, now);
        store.upsertEvent(event).await(2, TimeUnit.MINUTES);
        System.out.printf("event      '%s' %s .. %s with %d products%n", id, event.startsAt(), event.endsAt(),
            event.items().size());
      }
      Progress p2 = new Progress(System.out, "users", users);
      List<List<UserProfile>> batches = new ArrayList<>();
      for (int from = 1; from <= users; from += 1000) {
        List<UserProfile> batch = new ArrayList<>();
        for (int i = from; i <= Math.min(users, from + 999); i++) {
          batch.add(new UserProfile("u" + i, DemoCatalog.gradeOf(i, seed), 0));
        }
        batches.add(batch);
      }
      Concurrently.forEach(batches, 4, b -> store.upsertUsers(b).onSuccess(p2::step)).await(30, TimeUnit.MINUTES);
      CouponStore couponStore = new CouponStore(pool, Topics.from(config));
      List<Coupon> generated = DemoCoupons.coupons(coupons, entries.size(), seed, now);
      Progress p3 = new Progress(System.out, "coupons", generated.size());
      long[] grants = {0};
      Concurrently.forEach(generated, 4, c -> couponStore.upsert(c).compose(saved -> {
        List<String> holders = DemoCoupons.holders(c.couponId(), users, grantShare, seed);
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < holders.size(); i += 5000) {
          chunks.add(holders.subList(i, Math.min(holders.size(), i + 5000)));
        }
        return Concurrently.forEach(chunks, 1, chunk -> couponStore.grant(c.couponId(), chunk)
            .onSuccess(n -> grants[0] += n));
      }).onSuccess(x -> p3.step(1))).await(60, TimeUnit.MINUTES);
      System.out.printf("coupons    %d with %,d new grants%n", generated.size(), grants[0]);
      System.out.printf("seeded %d products, %d event(s), %d users in %.1f s%n", entries.size(), events, users,
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
