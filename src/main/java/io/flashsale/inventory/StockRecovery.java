package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps Redis following PostgreSQL, off the request path: gives holds back (PostgreSQL first), expires the holds
 * whose time has come, settles confirms a crash left half-done, rebuilds the inventory when Redis lost its data, and
 * reconciles products on demand.
 * Slightly over our usual length: each job is a screenful and they share the rebuild's single-flight state.
 */
public final class StockRecovery {

  private static final Logger LOG = LoggerFactory.getLogger(StockRecovery.class);

  private final Vertx vertx;
  private final StockCache cache;
  private final StockLedger ledger;
  private final Redlock redlock;
  private final RedisKeys keys;
  private final SoldOutBoard board;
  private final Clock clock;
  private final long lockTtlMs;
  private final long staleConfirmMillis;
  private Future<Void> rebuilding;
  private final Map<String, Future<ReconcileReport>> loading = new HashMap<>();

  StockRecovery(Vertx vertx, StockCache cache, StockLedger ledger, Redlock redlock, RedisKeys keys,
                SoldOutBoard board, Clock clock, InventoryConfig config) {
    this.vertx = vertx;
    this.cache = cache;
    this.ledger = ledger;
    this.redlock = redlock;
    this.keys = keys;
    this.board = board;
    this.clock = clock;
    this.lockTtlMs = config.lockTtlMillis();
    this.staleConfirmMillis = config.staleConfirmMillis();
  }

  /** How a reconcile went: products looked at, and the units Redis was off by in total. */
  public record ReconcileReport(int products, long driftUnits) {
  }

  /**
   * Gives a hold back, PostgreSQL first: the checkout leaves HELD (with its coupon reservation) in one transaction,
   * and only a checkout that PostgreSQL says did not become an order gives its units and limit back in Redis. A
   * confirm racing us either committed first (then Redis settles the hold as sold) or can no longer commit. A step
   * that fails leaves the hold where it was, to be retried (the sweeper keeps its expiry entry until Redis settles).
   * Answers the checkout's PostgreSQL status afterwards.
   */
  Future<String> giveBack(String userId, String checkoutId, List<String> productIds, String state) {
    long now = clock.millis();
    return ledger.giveBack(checkoutId, state, Instant.ofEpochMilli(now)).compose(status -> {
      // The products whose holds to settle: the caller's, else the checkout's own (none without a row: a hold that
      // never reached PostgreSQL is found by the sweeper in each product's expiry set).
      Future<List<String>> products = productIds != null || status == null
          ? Future.succeededFuture(productIds == null ? List.of() : productIds)
          : ledger.checkout(checkoutId).map(c -> c == null ? List.of() : c.productIds());
      return products.compose(ps -> {
        if (status == null || Checkout.RELEASED.equals(status) || Checkout.EXPIRED.equals(status)) {
          // No row (the hold never reached PostgreSQL) or no longer held: the units go back, also from a confirm
          // that is still winding down — it can no longer commit.
          return release(userId, checkoutId, ps, status == null ? state : status, now).map(status);
        }
        if (Checkout.CONFIRMED.equals(status)) {
          return cache.endConfirm(userId, checkoutId, ps, true).map(status);
        }
        return Future.succeededFuture(status);
      });
    });
  }

  /**
   * Makes Redis follow PostgreSQL for one product, once however many callers ask at the same moment: a product Redis
   * does not hold (new, or its keys were lost — on a cluster one master can lose its slots alone) is rebuilt from
   * PostgreSQL, holds and limits included; one it holds is reconciled.
   */
  public Future<ReconcileReport> load(String productId) {
    Future<ReconcileReport> running = loading.get(productId);
    if (running != null) {
      return running;
    }
    // After a Redis loss the rebuild sets every product; a reconcile must not race it with Redis's empty counters.
    Future<ReconcileReport> f = ensureReady().compose(x -> cache.stock(productId)).compose(stock -> stock != null
        ? reconcile(List.of(productId))
        : redlock.withLock(keys.stockLock(productId), lockTtlMs, lock -> cache.stock(productId).compose(again ->
            again != null ? Future.succeededFuture(new ReconcileReport(1, 0)) : rebuildProduct(productId))));
    loading.put(productId, f);
    f.onComplete(x -> loading.remove(productId));
    return f;
  }

  /** One product from PostgreSQL alone: its active holds, its limit counters, then its stock (which makes it live). */
  private Future<ReconcileReport> rebuildProduct(String productId) {
    Instant now = Instant.ofEpochMilli(clock.millis());
    List<String> one = List.of(productId);
    return ledger.activeHolds(now, one).compose(this::restoreHolds)
        .compose(x -> ledger.limitCounters(now, one)).compose(this::restoreLimits)
        .compose(x -> resetFromTruth(one, now, true));
  }

  private Future<Void> restoreHolds(io.vertx.sqlclient.RowSet<Row> rows) {
    List<Row> all = new ArrayList<>();
    rows.forEach(all::add);
    return Concurrently.forEach(all, 32, r -> cache.restoreHold(r.getString("product_id"), r.getString("user_id"),
        r.getString("checkout_id"), r.getOffsetDateTime("expires_at").toInstant().toEpochMilli(),
        r.getInteger("quantity"), r.getInteger("limit_per_user"), r.getString("event_id")));
  }

  private Future<Void> restoreLimits(io.vertx.sqlclient.RowSet<Row> rows) {
    Map<String, Map<String, Long>> perProduct = new HashMap<>();
    rows.forEach(r -> perProduct.computeIfAbsent(r.getString("product_id"), k -> new HashMap<>())
        .put(r.getString("user_id") + "|" + r.getString("event_id"), r.getLong("units")));
    return Concurrently.forEach(new ArrayList<>(perProduct.entrySet()), 32, e -> cache.setLimits(e.getKey(), e.getValue()));
  }

  /** What one sweep did: holds expired, and unfinished confirms settled. */
  public record Swept(int expired, int staleConfirms) {
  }

  /**
   * Gives back the units of holds whose time has come and settles confirms left CONFIRMING past the cut-off, for
   * the next {@code maxProducts} products of the inventory's list (each product keeps its own expiry and confirming
   * sets, in its own slot; a large catalog is covered over several sweeps). PostgreSQL first (see
   * {@link #giveBack}): a hold whose PostgreSQL step fails keeps its expiry entry and is retried on the next sweep.
   */
  public Future<Swept> sweep(int maxProducts) {
    Future<List<String>> list = cursor == 0 || cursor >= sweepList.size()
        ? cache.products().map(l -> {
          sweepList = l;
          cursor = 0;
          return l;
        })
        : Future.succeededFuture(sweepList);
    return list.compose(all -> {
      List<String> window = all.subList(cursor, Math.min(all.size(), cursor + maxProducts));
      cursor = cursor + window.size() >= all.size() ? 0 : cursor + window.size();
      long now = clock.millis();
      AtomicLong expired = new AtomicLong();
      AtomicLong stale = new AtomicLong();
      return Concurrently.forEach(new ArrayList<>(window), 16, p -> cache.due(p, now, now - staleConfirmMillis, 100)
          .compose(due -> settle(due, expired, stale)).otherwise(err -> {
            LOG.warn("sweeping the holds of {} failed, retried on the next sweep: {}", p, err.toString());
            return null;
          })).map(x -> new Swept((int) expired.get(), (int) stale.get()));
    });
  }

  private List<String> sweepList = List.of();
  private int cursor;

  private Future<Void> settle(StockCache.Due due, AtomicLong expired, AtomicLong stale) {
    List<String> one = List.of(due.productId());
    Future<Void> holds = Concurrently.forEach(due.expired(), 16, member -> {
      int bar = member.indexOf('|');
      return giveBack(member.substring(0, bar), member.substring(bar + 1), one, Checkout.EXPIRED).map(status -> {
        if (Checkout.EXPIRED.equals(status)) {
          expired.incrementAndGet();
        }
        return null;
      }).otherwise(err -> {
        LOG.warn("expiring hold {} failed, retried on the next sweep: {}", member, err.toString());
        return null;
      });
    });
    // Safe even if such a confirm were still running: a hold put back to HELD can only be given back through
    // giveBack, which PostgreSQL gates — and every confirm is bounded by its deadline and the pool's lock and
    // statement timeouts, well inside the cut-off.
    return holds.compose(x -> Concurrently.forEach(due.staleConfirms(), 8, member -> {
      int bar = member.indexOf('|');
      String userId = member.substring(0, bar);
      String checkoutId = member.substring(bar + 1);
      return ledger.status(checkoutId).compose(status -> {
        stale.incrementAndGet();
        if (Checkout.CONFIRMED.equals(status)) {
          return cache.endConfirm(userId, checkoutId, one, true);
        }
        if (Checkout.HELD.equals(status)) {
          return cache.endConfirm(userId, checkoutId, one, false);
        }
        return release(userId, checkoutId, one, Checkout.RELEASED, clock.millis());
      });
    }));
  }

  /**
   * Gives holds back in Redis ({@link StockCache#release}); units that went back clear this process's sold-out flags
   * at once: the pub/sub notice that clears them comes later, and a buyer of this process must not be refused
   * meanwhile (other processes wait for the notice, as the flag's lifetime bounds). A flag is only a shortcut — the
   * hold script decides every sale and flags the product again if it is still sold out.
   */
  private Future<Integer> release(String userId, String checkoutId, List<String> productIds, String state,
                                  long nowMillis) {
    return cache.release(userId, checkoutId, productIds, state, nowMillis).onSuccess(released -> {
      if (released > 0) {
        productIds.forEach(board::markAvailable);
      }
    });
  }

  /** Expires the holds whose time has come (every product at once, for tools and tests); answers how many expired. */
  public Future<Integer> sweepExpired() {
    cursor = 0;
    return sweep(Integer.MAX_VALUE / 2).map(Swept::expired);
  }

  /** Settles confirms a crash left half-done (every product, for tools and tests); answers how many. */
  public Future<Integer> recoverStaleConfirms() {
    cursor = 0;
    return sweep(Integer.MAX_VALUE / 2).map(Swept::staleConfirms);
  }

  /** Rebuilds the inventory once per process at a time when Redis lost it (sentinel missing). */
  public Future<Void> ensureReady() {
    if (rebuilding != null) {
      return rebuilding;
    }
    Future<Void> f = cache.isReady().compose(ready -> ready ? Future.succeededFuture() : rebuildOrWait());
    rebuilding = f;
    f.onComplete(x -> rebuilding = null);
    return f;
  }

  private Future<Void> rebuildOrWait() {
    return cache.tryRebuildLock(120_000).compose(token -> {
      if (token != null) {
        // Another process may have finished a rebuild between our check and our lock: rebuilding again while holds
        // are already being taken would overwrite them.
        return cache.isReady().compose(ready -> ready ? Future.<Void>succeededFuture() : rebuild())
            .eventually(() -> cache.dropRebuildLock(token));
      }
      // Another process rebuilds; wait for its sentinel (bounded).
      Promise<Void> done = Promise.promise();
      waitForReady(done, 100);
      return done.future();
    });
  }

  private void waitForReady(Promise<Void> done, int attemptsLeft) {
    cache.isReady().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete();
      } else if (attemptsLeft == 0) {
        done.fail(ApiException.unavailable("inventory is being rebuilt; retry shortly"));
      } else {
        vertx.setTimer(100, id -> waitForReady(done, attemptsLeft - 1));
      }
    });
  }

  /**
   * Redis lost its data: re-creates active holds, per-user limit counters and every product's available/held stock
   * from PostgreSQL, then sets the sentinel. A product answers NOT_LOADED (and its holds wait) until its stock is set.
   */
  public Future<ReconcileReport> rebuildReport() {
    Instant now = Instant.ofEpochMilli(clock.millis());
    // Only the products Redis lost: on a cluster the sentinel's slot can go alone, and a product whose stock is
    // still there is live — holds and confirms run against it without a lock, so resetting it would race them.
    return ledger.allProductIds().compose(ids -> missing(ids).compose(lost -> {
      List<String> only = lost.size() == ids.size() ? null : lost; // null: every product (no filter in the reads)
      return ledger.activeHolds(now, only).compose(this::restoreHolds)
          .compose(x -> ledger.limitCounters(now, only)).compose(this::restoreLimits)
          .compose(x -> resetFromTruth(lost, now, true));
    })).compose(report -> cache.markReady().map(report));
  }

  /** The products among {@code ids} whose stock Redis does not hold. */
  private Future<List<String>> missing(List<String> ids) {
    List<String> out = java.util.Collections.synchronizedList(new ArrayList<>());
    return Concurrently.forEach(ids, 32, p -> cache.stock(p).map(s -> {
      if (s == null) {
        out.add(p);
      }
      return null;
    })).map(x -> {
      List<String> sorted = new ArrayList<>(out);
      java.util.Collections.sort(sorted);
      return sorted;
    });
  }

  /**
   * The operator's rebuild while the app may be serving ({@code stock reconcile --rebuild}): takes the rebuild lock
   * (waiting for another rebuild to finish), drops the sentinel so holds and confirms wait instead of racing the
   * reset, rebuilds, and lets them go on.
   */
  public Future<ReconcileReport> rebuildExclusively(int attemptsLeft) {
    return cache.tryRebuildLock(120_000).compose(token -> {
      if (token == null) {
        if (attemptsLeft == 0) {
          return Future.failedFuture(new IllegalStateException("another process holds the rebuild lock"));
        }
        Promise<ReconcileReport> later = Promise.promise();
        vertx.setTimer(200, id -> rebuildExclusively(attemptsLeft - 1).onComplete(later));
        return later.future();
      }
      // Start from PostgreSQL alone: every product's keys go first, so holds and confirms wait (NOT_LOADED) for
      // its rebuilt stock instead of racing the reset.
      return cache.markNotReady().compose(x -> cache.products()).compose(loaded -> ledger.allProductIds().map(ids -> {
        java.util.Set<String> all = new java.util.TreeSet<>(loaded);
        all.addAll(ids);
        return new ArrayList<>(all);
      })).compose(all -> Concurrently.forEach(all, 32, cache::wipe)).compose(x -> rebuildReport())
          .eventually(() -> cache.dropRebuildLock(token));
    });
  }

  public Future<Void> rebuild() {
    long started = clock.millis();
    return rebuildReport().onSuccess(r -> LOG.info("inventory rebuilt from PostgreSQL: {} products in {} ms",
        r.products(), clock.millis() - started)).mapEmpty();
  }

  /**
   * Sets Redis's available stock from PostgreSQL (quantity − units held), one product at a time under its Redlock so
   * no confirm interleaves; answers the drift found.
   */
  public Future<ReconcileReport> reconcile(List<String> productIds) {
    return resetFromTruth(productIds, Instant.ofEpochMilli(clock.millis()), false);
  }

  public Future<ReconcileReport> reconcileAll() {
    return ledger.allProductIds().compose(this::reconcile);
  }

  private Future<ReconcileReport> resetFromTruth(List<String> productIds, Instant now, boolean heldFromDatabase) {
    AtomicLong drift = new AtomicLong();
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < productIds.size(); i += 500) {
      batches.add(productIds.subList(i, Math.min(productIds.size(), i + 500)));
    }
    return Concurrently.forEach(batches, 1, batch -> ledger.truth(batch, now).compose(truths ->
        Concurrently.forEach(truths, 16, t -> (heldFromDatabase
            // Redis lost these products, holds and all: take them from the database. No lock needed — until its stock
            // is set, a product's holds and confirms answer NOT_LOADED and wait, and reconciles wait for this rebuild.
            ? cache.reset(t.productId(), t.quantity(), t.activeHeld())
            // Live: under the product's lock (no confirm interleaves), the quantity read again — one row, so the lock
            // is held for one short read; Redis's held count includes holds the sweeper has not expired yet, so keep it.
            : redlock.withLock(keys.stockLock(t.productId()), lockTtlMs, lock -> ledger.readStock(t.productId())
                .compose(fresh -> cache.reset(t.productId(), fresh == null ? 0 : fresh.quantity(), null))))
            .onSuccess(r -> {
              if (r[0] >= 0) {
                drift.addAndGet(Math.abs(r[0] - r[1]));
              }
            })))).map(x -> new ReconcileReport(productIds.size(), drift.get()));
  }
}
