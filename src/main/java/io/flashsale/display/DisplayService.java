package io.flashsale.display;

import io.flashsale.infra.RedisKeys;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read path: process-wide near cache → Redis → PostgreSQL. A fresh entry is served as is (and, by XFetch, a hot
 * one is refreshed a little before it expires); a stale one keeps being served while one refresh runs (also while
 * Redis is down). Loads are single-flight per key in the process; a view missing from Redis is rebuilt by one
 * process at a time (a short Redis lock), the others serving what they have or waiting for it to appear.
 */
public final class DisplayService {

  /** Shared by every API verticle of a process. */
  public record Shared(NearCache cache, SingleFlight<ViewCodec.Decoded> flights, AtomicLong rebuilds) {
    public static Shared create(int maxEntries, Clock clock) {
      return new Shared(new NearCache(maxEntries), new SingleFlight<>(clock, 10_000), new AtomicLong());
    }

    /**
     * Applies a {@code key|version} from the invalidation channel ({@code *|0}: everything) once for the process:
     * an older entry expires, keeps being served, and the next request for it refreshes it (single-flight).
     */
    public void invalidated(String message) {
      int bar = message.lastIndexOf('|');
      String key = message.substring(0, bar);
      long version = Long.parseLong(message.substring(bar + 1));
      if ("*".equals(key)) {
        cache.forEach(e -> e.expiresAt = 0);
        return;
      }
      CachedView e = cache.get(key);
      if (e != null && (e.isNotFound() || e.version < version)) {
        e.expiresAt = 0;
      }
    }
  }

  /** Tuning, from {@code display.*} config keys. */
  public record Settings(boolean nearCache, long ttlMillis, long notFoundTtlMillis, double xfetchBeta,
                         long rebuildLockMillis) {
  }

  private static final int WAIT_FOR_REBUILD_POLLS = 50;
  private static final long WAIT_FOR_REBUILD_STEP_MS = 20;

  private final Vertx vertx;
  private final Shared shared;
  private final ViewStore store;
  private final ViewMaterializer materializer;
  private final Redis redis;
  private final RedisKeys keys;
  private final Clock clock;
  private final Settings settings;

  public DisplayService(Vertx vertx, Shared shared, ViewMaterializer materializer, Redis redis, RedisKeys keys,
                        Clock clock, Settings settings) {
    this.vertx = vertx;
    this.shared = shared;
    this.store = materializer.store();
    this.materializer = materializer;
    this.redis = redis;
    this.keys = keys;
    this.clock = clock;
    this.settings = settings;
  }

  public String key(ViewKind kind, String id) {
    return kind.key(keys, id);
  }

  /** The cached response if it may be served now; {@code null} means "call {@link #load}". The hot path. */
  CachedView fresh(String key) {
    if (!settings.nearCache()) {
      return null;
    }
    CachedView e = shared.cache().get(key);
    if (e == null) {
      return null;
    }
    long now = clock.millis();
    if (now >= e.expiresAt) {
      return null;
    }
    // XFetch only matters near expiry: −ln(u) > 20 has probability e⁻²⁰, so skip the random draw before that.
    if (!e.isNotFound() && e.expiresAt - now < 20 * settings.xfetchBeta() * e.loadMillis
        && XFetch.shouldRefresh(now, e.expiresAt, e.loadMillis, settings.xfetchBeta(),
        1.0 - ThreadLocalRandom.current().nextDouble())) {
      refresh(e.kind, e.id, key);
    }
    return e;
  }

  /**
   * A stale entry at once (refreshing behind it), else the result of a single-flight refresh — completed on the
   * caller's event loop, since the shared load may have run on another verticle's.
   */
  Future<CachedView> load(ViewKind kind, String id, String key) {
    if (!settings.nearCache()) {
      return onCallerContext(fetch(kind, id, key).map(d -> d == null ? CachedView.notFound(kind, id, 0)
          : CachedView.found(kind, id, d.version(), d.json(), 0)));
    }
    CachedView e = shared.cache().get(key);
    if (e != null && !e.isNotFound()) {
      refresh(kind, id, key);
      return Future.succeededFuture(e);
    }
    return onCallerContext(refresh(kind, id, key));
  }

  private <T> Future<T> onCallerContext(Future<T> f) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return f;
    }
    Promise<T> here = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == caller) {
        here.handle(ar);
      } else {
        caller.runOnContext(v -> here.handle(ar));
      }
    });
    return here.future();
  }

  /** The view as JSON (for in-process readers such as checkout pricing), or {@code null} when it does not exist. */
  public Future<JsonObject> json(ViewKind kind, String id) {
    String key = key(kind, id);
    CachedView hit = fresh(key);
    Future<CachedView> view = hit != null ? Future.succeededFuture(hit) : load(kind, id, key);
    return view.map(v -> v.isNotFound() ? null : new JsonObject(v.body));
  }

  /**
   * The view built now from PostgreSQL (and stored, when newer): for a reader that must not act on a view the clock
   * has outdated — checkout, when the sale a product view shows has already ended.
   */
  public Future<JsonObject> jsonFromSource(ViewKind kind, String id) {
    // Deliberately not shared with a load in flight, nor taken from the near cache: either may have been built before
    // the boundary this reader just crossed (with the same version), which is exactly what it must not price from.
    // Only views whose sale has ended take this path, and only until the boundary's re-projection lands.
    return materializer.materialize(kind, id).map(v -> v == null ? null : new JsonObject(v.json()));
  }


  int size() {
    return shared.cache().size();
  }

  private Future<CachedView> refresh(ViewKind kind, String id, String key) {
    long started = clock.millis();
    return shared.flights().run(key, () -> fetch(kind, id, key)).map(d -> {
      long now = clock.millis();
      long took = Math.max(1, now - started);
      return shared.cache().offer(key, d == null ? CachedView.notFound(kind, id, now + settings.notFoundTtlMillis())
          : CachedView.found(kind, id, d.version(), d.json(), now + jittered(settings.ttlMillis()), took));
    });
  }

  /**
   * Redis; if missing there and not marked missing, one rebuild across processes; if Redis is down, PostgreSQL
   * without storing.
   */
  private Future<ViewCodec.Decoded> fetch(ViewKind kind, String id, String key) {
    return store.get(key).transform(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        return Future.succeededFuture(ViewCodec.decode(ar.result()));
      }
      if (ar.failed()) {
        return build(kind, id, false);
      }
      return knownMissing(key).compose(missing -> missing ? Future.succeededFuture(null)
          : tryRebuildLock(key).compose(mine -> mine ? build(kind, id, true)
              : waitForView(kind, id, key, WAIT_FOR_REBUILD_POLLS)));
    });
  }

  private Future<ViewCodec.Decoded> build(ViewKind kind, String id, boolean storeIt) {
    shared.rebuilds().incrementAndGet();
    Future<View> built = storeIt ? materializer.materialize(kind, id) : materializer.builder().build(kind, id);
    return built.compose(v -> {
      if (v != null) {
        return Future.succeededFuture(new ViewCodec.Decoded(v.version(), v.json()));
      }
      // Not in the write model: remember it briefly for every process, so unknown ids do not each cost a query.
      return storeIt ? markMissing(key(kind, id)).map((ViewCodec.Decoded) null) : Future.succeededFuture(null);
    });
  }

  private Future<Boolean> knownMissing(String key) {
    return redis.send(Request.cmd(Command.EXISTS).arg(keys.viewMissing(key))).map(r -> r.toInteger() == 1)
        .otherwise(false);
  }

  private Future<Void> markMissing(String key) {
    return redis.send(Request.cmd(Command.SET).arg(keys.viewMissing(key)).arg("1").arg("PX")
        .arg(Math.max(1, settings.notFoundTtlMillis()))).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<Boolean> tryRebuildLock(String key) {
    return redis.send(Request.cmd(Command.SET).arg(keys.rebuildLock(key)).arg("1").arg("NX").arg("PX")
            .arg(settings.rebuildLockMillis()))
        .map(r -> r != null && "OK".equals(r.toString())).otherwise(true);
  }

  /** Another process is rebuilding: poll Redis briefly; if it never appears, rebuild here (it may not exist). */
  private Future<ViewCodec.Decoded> waitForView(ViewKind kind, String id, String key, int pollsLeft) {
    if (pollsLeft == 0) {
      return build(kind, id, true);
    }
    Promise<ViewCodec.Decoded> next = Promise.promise();
    vertx.setTimer(WAIT_FOR_REBUILD_STEP_MS, t -> store.get(key).onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        next.complete(ViewCodec.decode(ar.result()));
      } else {
        waitForView(kind, id, key, pollsLeft - 1).onComplete(next);
      }
    }));
    return next.future();
  }

  /** TTL ± 20 % so entries of one burst do not all expire in the same millisecond. */
  private static long jittered(long ttl) {
    long spread = ttl / 5;
    return spread <= 0 ? ttl : ttl - spread + ThreadLocalRandom.current().nextLong(2 * spread + 1);
  }
}
