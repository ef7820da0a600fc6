package io.flashsale.cli;

import io.flashsale.display.View;
import io.flashsale.display.ViewBuilder;
import io.flashsale.display.ViewCodec;
import io.flashsale.display.ViewKind;
import io.flashsale.display.ViewStore;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@code warmup}: builds an event's page and every product view from PostgreSQL into Redis before doors open. */
@Command(name = "warmup", mixinStandardHelpOptions = true,
    description = "Build and load every view of an event into Redis (idempotent, safe while the app serves).")
final class WarmupCommand implements Callable<Integer> {

  @Option(names = "--event", required = true, description = "the event id to warm")
  List<String> eventIds;

  @Override
  public Integer call() throws Exception {
    AppConfig config = AppConfig.load();
    PgConfig pg = PgConfig.from(config);
    RedisKeys keys = RedisKeys.from(config);
    Vertx vertx = Vertx.vertx();
    Pool pool = pg.pool(vertx, "pg-warmup", 0);
    Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    ViewBuilder builder = new ViewBuilder(pool, keys);
    ViewStore store = new ViewStore(redis, keys);
    AtomicLong views = new AtomicLong();
    AtomicLong raw = new AtomicLong();
    AtomicLong packed = new AtomicLong();
    long started = System.nanoTime();
    try {
      for (String eventId : eventIds) {
        View page = builder.build(ViewKind.EVENT_PAGE, eventId).await(1, TimeUnit.MINUTES);
        if (page == null) {
          System.err.println("no such event: " + eventId);
          return 1;
        }
        List<String> productIds = builder.productsOfEvent(eventId).await(1, TimeUnit.MINUTES);
        Progress progress = new Progress(System.out, eventId, productIds.size() + 1);
        List<Object> work = new ArrayList<>(productIds);
        work.add(page);
        Concurrently.forEach(work, 32, item -> {
          Future<View> view = item instanceof View v ? Future.succeededFuture(v)
              : builder.build(ViewKind.PRODUCT, (String) item);
          return view.compose(v -> {
            Buffer encoded = ViewCodec.encode(v.version(), v.json());
            return store.putEncoded(v.key(), v.version(), encoded).compose(x -> store.storedVersion(v.key()))
                .compose(stored -> stored != null && stored >= v.version() ? Future.succeededFuture()
                    : Future.failedFuture("verification failed for " + v.key()))
                .onSuccess(x -> {
                  views.incrementAndGet();
                  raw.addAndGet(v.json().length());
                  packed.addAndGet(encoded.length());
                  progress.step(1);
                });
          });
        }).await(10, TimeUnit.MINUTES);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf("warmed %d views: %,d bytes raw, %,d bytes stored (ratio %.2f) in %.2f s%n", views.get(),
          raw.get(), packed.get(), packed.get() == 0 ? 0 : (double) raw.get() / packed.get(), seconds);
      return 0;
    } catch (Exception e) {
      System.err.println("warmup failed: " + e);
      return 1;
    } finally {
      redis.close();
      pool.close();
      Cli.closeQuietly(vertx);
    }
  }
}
