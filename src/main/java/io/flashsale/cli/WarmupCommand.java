package io.flashsale.cli;

import io.flashsale.display.ViewBuilder;
import io.flashsale.display.ViewStore;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.warmup.WarmupService;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code warmup}: builds event pages and every product view from PostgreSQL into Redis before doors open. */
@Command(name = "warmup", mixinStandardHelpOptions = true,
    description = "Build, load and verify every view of events in Redis (idempotent, safe while the app serves). "
        + "Exits non-zero if any view could not be written or verified.")
final class WarmupCommand implements Callable<Integer> {

  @ArgGroup(exclusive = true, multiplicity = "1")
  Selection selection;

  static final class Selection {
    @Option(names = "--event", description = "an event id (repeatable)")
    List<String> eventIds;

    @Option(names = "--upcoming", description = "events open now or opening within --within")
    boolean upcoming;

    @Option(names = "--all", description = "every event that has not ended")
    boolean all;
  }

  @Option(names = "--within", defaultValue = "2h", description = "with --upcoming: 30m, 2h, 1d (default ${DEFAULT-VALUE})")
  String within;

  @Override
  public Integer call() throws Exception {
    Duration horizon;
    try {
      horizon = TokenCommand.parseDuration(within);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage().replace("--ttl", "--within"));
      return 2;
    }
    AppConfig config = AppConfig.load();
    RedisKeys keys = RedisKeys.from(config);
    Vertx vertx = Vertx.vertx();
    Pool pool = PgConfig.from(config).pool(vertx, "pg-warmup", 0);
    Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    try {
      WarmupService warmup = new WarmupService(pool, new ViewBuilder(pool, keys), new ViewStore(redis, keys));
      Instant now = Instant.now();
      List<String> events = selection.eventIds != null ? selection.eventIds
          : selection.upcoming ? warmup.upcoming(now, horizon).await(1, TimeUnit.MINUTES)
          : warmup.notEnded(now).await(1, TimeUnit.MINUTES);
      if (events.isEmpty()) {
        System.out.println("no events to warm");
        return 0;
      }
      List<String> unknown = warmup.unknown(events).await(1, TimeUnit.MINUTES);
      if (!unknown.isEmpty()) {
        System.err.println("unknown event(s): " + String.join(", ", unknown) + " (nothing was warmed)");
        return 1;
      }
      long total = warmup.countViews(events).await(1, TimeUnit.MINUTES);
      System.out.printf("warming %d event(s): %s (%,d views)%n", events.size(),
          events.size() > 5 ? String.join(", ", events.subList(0, 5)) + ", ..." : String.join(", ", events), total);
      Progress progress = new Progress(System.out, "views", total);
      WarmupService.Summary s = warmup.warm(events, progress::step).await(30, TimeUnit.MINUTES);
      System.out.printf("warmed %,d views: %,d bytes raw, %,d bytes stored (ratio %.2f) in %.2f s%n", s.views(),
          s.bytesRaw(), s.bytesCompressed(), s.ratio(), s.millis() / 1000.0);
      if (!s.failures().isEmpty()) {
        System.err.printf("%d view(s) failed: %s%n", s.failures().size(), s.failures().subList(0,
            Math.min(10, s.failures().size())));
        return 1;
      }
      return 0;
    } catch (Exception e) {
      System.err.println("warmup failed: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
      return 1;
    } finally {
      redis.close();
      pool.close();
      Cli.closeQuietly(vertx);
    }
  }
}
