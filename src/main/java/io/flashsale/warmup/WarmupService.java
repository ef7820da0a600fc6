package io.flashsale.warmup;

import io.flashsale.display.View;
import io.flashsale.display.ViewBuilder;
import io.flashsale.display.ViewCodec;
import io.flashsale.display.ViewKind;
import io.flashsale.display.ViewStore;
import io.flashsale.infra.Concurrently;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Builds every view of events from PostgreSQL into Redis before the doors open: the event page and each product's
 * view, written with the same versioned compare-and-set as the projector (so it is idempotent and safe while the app
 * serves), then read back to verify.
 */
public final class WarmupService {

  private static final int PARALLELISM = 32;

  private final Pool pool;
  private final ViewBuilder builder;
  private final ViewStore store;

  public WarmupService(Pool pool, ViewBuilder builder, ViewStore store) {
    this.pool = pool;
    this.builder = builder;
    this.store = store;
  }

  /** What a warmup did. {@code failures} names the views that could not be written or verified. */
  public record Summary(long views, long bytesRaw, long bytesCompressed, long millis, List<String> failures) {
    public double ratio() {
      return bytesCompressed == 0 ? 0 : (double) bytesRaw / bytesCompressed;
    }
  }

  /** Events that are open now or open within {@code within}. */
  public Future<List<String>> upcoming(Instant now, Duration within) {
    return ids(WarmupSql.UPCOMING,
        Tuple.of(now.plus(within).atOffset(ZoneOffset.UTC), now.atOffset(ZoneOffset.UTC)));
  }

  /** Every event that has not ended. */
  public Future<List<String>> notEnded(Instant now) {
    return ids(WarmupSql.NOT_ENDED,
        Tuple.of(now.atOffset(ZoneOffset.UTC)));
  }

  /** The ids among {@code eventIds} that name no event. */
  public Future<List<String>> unknown(List<String> eventIds) {
    return pool.preparedQuery(WarmupSql.KNOWN_EVENTS)
        .execute(Tuple.of((Object) eventIds.toArray(String[]::new))).map(rs -> {
          Set<String> known = new HashSet<>();
          rs.forEach(r -> known.add(r.getString(0)));
          return eventIds.stream().filter(id -> !known.contains(id)).toList();
        });
  }

  /** How many views warming these events will write (the page and each product), for a progress bar. */
  public Future<Long> countViews(List<String> eventIds) {
    return pool.preparedQuery(WarmupSql.COUNT_ITEMS)
        .execute(Tuple.of((Object) eventIds.toArray(String[]::new)))
        .map(rs -> rs.iterator().next().getLong(0) + eventIds.size());
  }

  /** Warms the events one after another; {@code progress} receives each view written. Unknown events fail. */
  public Future<Summary> warm(List<String> eventIds, LongConsumer progress) {
    long started = System.nanoTime();
    AtomicLong views = new AtomicLong();
    AtomicLong raw = new AtomicLong();
    AtomicLong packed = new AtomicLong();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    Future<Void> chain = Future.succeededFuture();
    for (String eventId : eventIds) {
      chain = chain.compose(x -> builder.build(ViewKind.EVENT_PAGE, eventId).compose(page -> {
        if (page == null) {
          return Future.failedFuture(new IllegalArgumentException("no such event: " + eventId));
        }
        return builder.productsOfEvent(eventId).compose(productIds -> {
          List<Object> work = new ArrayList<>(productIds.size() + 1);
          work.add(page);
          work.addAll(productIds);
          return Concurrently.forEach(work, PARALLELISM, item -> {
            Future<View> view = item instanceof View v ? Future.succeededFuture(v)
                : builder.build(ViewKind.PRODUCT, (String) item);
            return view.compose(v -> v == null ? Future.succeededFuture() : write(v, views, raw, packed, failures)
                .onSuccess(n -> progress.accept(1)));
          });
        });
      }));
    }
    return chain.map(x -> new Summary(views.get(), raw.get(), packed.get(), (System.nanoTime() - started) / 1_000_000,
        List.copyOf(failures)));
  }

  private Future<Void> write(View v, AtomicLong views, AtomicLong raw, AtomicLong packed, List<String> failures) {
    Buffer encoded = ViewCodec.encode(v.version(), v.json());
    return store.putEncoded(v.key(), v.version(), encoded).compose(x -> store.get(v.key())).map(stored -> {
      // Verified when Redis holds a readable view at least as new as the one we built.
      boolean ok = stored != null && ViewCodec.decode(stored).version() >= v.version();
      if (ok) {
        views.incrementAndGet();
        raw.addAndGet(v.json().length());
        packed.addAndGet(encoded.length());
      } else {
        failures.add(v.key());
      }
      return null;
    }).recover(err -> {
      failures.add(v.key() + " (" + err.getMessage() + ")");
      return Future.succeededFuture();
    }).mapEmpty();
  }

  private Future<List<String>> ids(String sql, Tuple args) {
    return pool.preparedQuery(sql).execute(args).map(rs -> {
      List<String> out = new ArrayList<>();
      rs.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }
}
