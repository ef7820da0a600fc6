package io.flashsale.display;

import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One verticle's read path: near cache → Redis → a single-flight rebuild from PostgreSQL. A stale entry keeps being
 * served while one refresh runs (also when Redis is down); invalidations refresh entries eagerly.
 */
public final class DisplayService {

  private final NearCache cache;
  private final ViewStore store;
  private final ViewMaterializer materializer;
  private final RedisKeys keys;
  private final Clock clock;
  private final long ttlMillis;
  private final long notFoundTtlMillis;
  private final Map<String, Future<CachedView>> inflight = new HashMap<>();

  public DisplayService(ViewMaterializer materializer, RedisKeys keys, Clock clock, long ttlMillis,
                        long notFoundTtlMillis, int maxEntries) {
    this.cache = new NearCache(maxEntries);
    this.store = materializer.store();
    this.materializer = materializer;
    this.keys = keys;
    this.clock = clock;
    this.ttlMillis = ttlMillis;
    this.notFoundTtlMillis = notFoundTtlMillis;
  }

  public String key(ViewKind kind, String id) {
    return kind.key(keys, id);
  }

  /** The cached response if it is fresh; {@code null} means "call {@link #load}". The hot path: no allocation. */
  CachedView fresh(String key) {
    CachedView e = cache.get(key);
    return e != null && e.expiresAt > clock.millis() ? e : null;
  }

  /** A stale entry at once (refreshing behind it), else the result of a single-flight refresh. */
  Future<CachedView> load(ViewKind kind, String id, String key) {
    CachedView e = cache.get(key);
    if (e != null && !e.isNotFound()) {
      refresh(kind, id, key);
      return Future.succeededFuture(e);
    }
    return refresh(kind, id, key);
  }

  /** The view as JSON (for in-process readers such as checkout pricing), or {@code null} when it does not exist. */
  public Future<JsonObject> json(ViewKind kind, String id) {
    String key = key(kind, id);
    CachedView hit = fresh(key);
    Future<CachedView> view = hit != null ? Future.succeededFuture(hit) : load(kind, id, key);
    return view.map(v -> v.isNotFound() ? null : new JsonObject(v.body));
  }

  /** Called for every {@code key|version} announced on the invalidation channel. */
  public void invalidated(String key, long version) {
    if ("*".equals(key)) {
      cache.forEach(e -> e.expiresAt = 0);
      return;
    }
    CachedView e = cache.get(key);
    if (e != null && (e.isNotFound() || e.version < version)) {
      e.expiresAt = 0;
      refresh(e.kind, e.id, key);
    }
  }

  int size() {
    return cache.size();
  }

  private Future<CachedView> refresh(ViewKind kind, String id, String key) {
    Future<CachedView> running = inflight.get(key);
    if (running != null) {
      return running;
    }
    Future<CachedView> f = store.get(key).transform(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        ViewCodec.Decoded d = ViewCodec.decode(ar.result());
        return Future.succeededFuture(d);
      }
      // Missing in Redis: rebuild and store. Redis down: rebuild from PostgreSQL without storing.
      Future<View> built = ar.succeeded() ? materializer.materialize(kind, id) : materializer.builder().build(kind, id);
      return built.map(v -> v == null ? null : new ViewCodec.Decoded(v.version(), v.json()));
    }).map(d -> cache.offer(key, d == null
        ? CachedView.notFound(kind, id, clock.millis() + notFoundTtlMillis)
        : CachedView.found(kind, id, d.version(), d.json(), clock.millis() + jittered(ttlMillis))));
    inflight.put(key, f);
    f.onComplete(ar -> inflight.remove(key));
    return f;
  }

  /** TTL ± 20 % so entries of one burst do not all expire in the same millisecond. */
  private static long jittered(long ttl) {
    long spread = ttl / 5;
    return spread <= 0 ? ttl : ttl - spread + ThreadLocalRandom.current().nextLong(2 * spread + 1);
  }

}
