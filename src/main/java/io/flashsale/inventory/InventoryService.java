package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.Ids;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds, releases and confirms stock through the three layers: Redis Lua (all-or-nothing holds with per-user limits),
 * Redlock around the database decrement, and PostgreSQL's versioned decrement as the final truth. Keeps Redis
 * following PostgreSQL: reconcile on demand, and a full rebuild when Redis lost its data.
 */
public final class InventoryService {

  private static final Logger LOG = LoggerFactory.getLogger(InventoryService.class);
  private static final long STALE_CONFIRM_MS = 30_000;

  private final Vertx vertx;
  private final StockCache cache;
  private final StockLedger ledger;
  private final Redlock redlock;
  private final RedisKeys keys;
  private final SoldOutBoard board;
  private final Clock clock;
  private final Duration holdTtl;
  private final long lockTtlMs;
  private final java.util.function.Function<String, Future<Void>> onHoldGivenBack;
  private Future<Void> rebuilding;
  private final Map<String, Future<ReconcileReport>> loading = new HashMap<>();
  private final KeyedQueue confirms = new KeyedQueue();

  public InventoryService(Vertx vertx, StockCache cache, StockLedger ledger, Redlock redlock, RedisKeys keys,
                          SoldOutBoard board, Clock clock, Duration holdTtl, long lockTtlMs,
                          java.util.function.Function<String, Future<Void>> onHoldGivenBack) {
    this.vertx = vertx;
    this.cache = cache;
    this.ledger = ledger;
    this.redlock = redlock;
    this.keys = keys;
    this.board = board;
    this.clock = clock;
    this.holdTtl = holdTtl;
    this.lockTtlMs = lockTtlMs;
    this.onHoldGivenBack = onHoldGivenBack;
  }

  /** How a reconcile went: products looked at, and the units Redis was off by in total. */
  public record ReconcileReport(int products, long driftUnits) {
  }

  // ------------------------------------------------------------------ hold

  /** Holds every item or none; answers the checkout (201) or SOLD_OUT / LIMIT_EXCEEDED / 503. */
  public Future<Checkout> hold(String userId, List<PricedItem> items, String couponId) {
    return hold(newCheckoutId(), userId, items, couponId, 0);
  }

  /** Holds with a caller-chosen id (a coupon was reserved for it) and the coupon's discount. */
  public Future<Checkout> hold(String checkoutId, String userId, List<PricedItem> items, String couponId,
                               long discount) {
    for (PricedItem item : items) {
      if (board.isSoldOut(item.productId())) {
        return Future.failedFuture(soldOut(item.productId()));
      }
    }
    Checkout checkout = Checkout.create(checkoutId, userId, items, couponId, discount,
        Instant.ofEpochMilli(clock.millis()).plus(holdTtl));
    return holdInRedis(checkout, 0).compose(x -> ledger.insertCheckout(checkout).recover(err -> {
      LOG.warn("checkout {} held in Redis but not stored in PostgreSQL ({}); giving the units back", checkout.checkoutId(),
          err.toString());
      return cache.release(userId, checkout.checkoutId(), Checkout.RELEASED, clock.millis(), false)
          .transform(r -> Future.failedFuture(ApiException.unavailable("could not store the checkout; retry shortly")));
    })).map(checkout);
  }

  private Future<Void> holdInRedis(Checkout checkout, int retries) {
    return cache.hold(checkout).compose(answer -> switch (answer.code()) {
      case "OK" -> Future.<Void>succeededFuture();
      case "SOLD_OUT" -> {
        board.markSoldOut(answer.productId());
        yield Future.failedFuture(soldOut(answer.productId()));
      }
      case "LIMIT_EXCEEDED" -> {
        PricedItem item = checkout.items().stream().filter(i -> i.productId().equals(answer.productId())).findFirst()
            .orElseThrow();
        yield Future.failedFuture(new ApiException(ErrorCode.LIMIT_EXCEEDED, "at most " + item.limitPerUser()
            + " of '" + item.productId() + "' per shopper in event '" + item.eventId() + "'; "
            + answer.number() + " left for you", new JsonObject().put("productId", item.productId())
            .put("eventId", item.eventId()).put("limitPerUser", item.limitPerUser()).put("remaining", answer.number())));
      }
      case "NOT_READY" -> retries > 0 ? Future.failedFuture(ApiException.unavailable("inventory is being rebuilt"))
          : ensureReady().compose(x -> holdInRedis(checkout, retries + 1));
      case "NOT_LOADED" -> retries > 0 ? Future.failedFuture(soldOut(answer.productId()))
          : load(answer.productId()).compose(x -> holdInRedis(checkout, retries + 1));
      default -> Future.failedFuture(new IllegalStateException("hold script answered " + answer.code()));
    });
  }

  /** Makes Redis follow PostgreSQL for one product, once however many callers ask at the same moment. */
  public Future<ReconcileReport> load(String productId) {
    Future<ReconcileReport> running = loading.get(productId);
    if (running != null) {
      return running;
    }
    // After a Redis loss the rebuild sets every product; a reconcile must not race it with Redis's empty counters.
    Future<ReconcileReport> f = ensureReady().compose(x -> reconcile(List.of(productId)));
    loading.put(productId, f);
    f.onComplete(x -> loading.remove(productId));
    return f;
  }

  // ------------------------------------------------------------------ release

  /** The owner's DELETE: gives the units back; idempotent. */
  public Future<Void> release(String userId, String checkoutId) {
    return ledger.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (!c.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
      }
      if (Checkout.CONFIRMED.equals(c.status())) {
        return Future.failedFuture(new ApiException(ErrorCode.ALREADY_ORDERED,
            "checkout '" + checkoutId + "' was already turned into an order"));
      }
      return compensate(c.userId(), checkoutId);
    });
  }

  /** Compensation (also for the order saga): gives a held checkout's units back; idempotent. */
  public Future<Void> compensate(String userId, String checkoutId) {
    return cache.release(userId, checkoutId, Checkout.RELEASED, clock.millis(), false).compose(n -> n == -2
        ? Future.failedFuture(new ApiException(ErrorCode.REQUEST_IN_PROGRESS, "an order is being placed for this checkout"))
        : ledger.leaveHeld(checkoutId, Checkout.RELEASED).compose(x -> onHoldGivenBack.apply(checkoutId)));
  }

  // ------------------------------------------------------------------ confirm

  /**
   * Turns the hold into sold units: hold marked CONFIRMING → Redlock on each product → versioned decrement and
   * CONFIRMED in one PostgreSQL transaction → hold consumed. Any failure puts the hold back as it was (503), except a
   * database that has no stock left, which releases the hold (SOLD_OUT).
   */
  public Future<Checkout> confirm(String checkoutId) {
    return ledger.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (Checkout.CONFIRMED.equals(c.status())) {
        // PostgreSQL already took the units (a retry, or an answer lost with a connection or a process):
        // confirm is idempotent — finish Redis's side and answer as before.
        return cache.endConfirm(c.userId(), c.checkoutId(), true).otherwise(0).map(c);
      }
      return beginConfirm(c, 0).compose(go -> go ? decrementUnderLocks(c) : Future.succeededFuture(c));
    });
  }

  /** Answers true when the decrement must run, false when the checkout is already confirmed (a retry). */
  private Future<Boolean> beginConfirm(Checkout c, int retries) {
    return cache.beginConfirm(c.userId(), c.checkoutId(), clock.millis()).compose(answer -> {
      String code = answer.get(0);
      return switch (code) {
        case "OK" -> Future.succeededFuture(true);
        case "CONFIRMED" -> Future.succeededFuture(false);
        case "NOT_READY" -> retries > 0 ? Future.failedFuture(ApiException.unavailable("inventory is being rebuilt"))
            : ensureReady().compose(x -> beginConfirm(c, retries + 1));
        case "CONFIRMING" -> Future.failedFuture(new ApiException(ErrorCode.REQUEST_IN_PROGRESS,
            "this checkout is being confirmed"));
        case "MISSING" -> Checkout.HELD.equals(c.status()) && c.expiresAt().toEpochMilli() > clock.millis()
            // Redis lost the hold record after a flush: PostgreSQL's row is the truth and layer 3 still guards stock.
            ? Future.succeededFuture(true)
            : Checkout.CONFIRMED.equals(c.status()) ? Future.succeededFuture(false) : Future.failedFuture(holdExpired(c));
        case "EXPIRED" -> cache.release(c.userId(), c.checkoutId(), Checkout.EXPIRED, clock.millis(), false)
            .compose(x -> ledger.leaveHeld(c.checkoutId(), Checkout.EXPIRED))
            .compose(x -> onHoldGivenBack.apply(c.checkoutId()))
            .transform(x -> Future.failedFuture(holdExpired(c)));
        default -> Future.failedFuture(holdExpired(c));
      };
    });
  }

  private Future<Checkout> decrementUnderLocks(Checkout c) {
    List<String> products = new ArrayList<>(new TreeSet<>(c.items().stream().map(PricedItem::productId).toList()));
    // Queue locally behind other confirms of the same (first) product, then take the cross-instance locks.
    return confirms.run(products.get(0), () -> withLocks(products, 0, () -> ledger.confirm(c)
        // A failure after the COMMIT was sent (the connection died) may hide a success: PostgreSQL decides.
        .recover(err -> ledger.checkout(c.checkoutId()).transform(check -> check.succeeded() && check.result() != null
            && Checkout.CONFIRMED.equals(check.result().status()) ? Future.succeededFuture()
            : Future.failedFuture(err))))).transform(ar -> {
      if (ar.succeeded()) {
        return cache.endConfirm(c.userId(), c.checkoutId(), true).otherwise(0)
            .map(x -> new Checkout(c.checkoutId(), c.userId(), c.items(), c.subtotal(), c.discount(), c.total(),
                c.couponId(), c.expiresAt(), Checkout.CONFIRMED));
      }
      Throwable err = ar.cause();
      if (err instanceof ApiException api && api.code() == ErrorCode.SOLD_OUT) {
        // PostgreSQL has fewer units than Redis promised: the hold cannot be honoured.
        return cache.release(c.userId(), c.checkoutId(), Checkout.RELEASED, clock.millis(), true)
            .compose(x -> ledger.leaveHeld(c.checkoutId(), Checkout.RELEASED))
            .compose(x -> onHoldGivenBack.apply(c.checkoutId()))
            .compose(x -> reconcile(products)).transform(x -> Future.failedFuture(err));
      }
      return cache.endConfirm(c.userId(), c.checkoutId(), false).transform(x -> Future.failedFuture(
          err instanceof Redlock.LockUnavailableException ? ApiException.unavailable(err.getMessage()) : err));
    });
  }

  /** Locks the products in a fixed (sorted) order so two multi-item confirms never wait on each other in a cycle. */
  private <T> Future<T> withLocks(List<String> products, int index, java.util.function.Supplier<Future<T>> work) {
    if (index == products.size()) {
      return work.get();
    }
    return redlock.withLock(keys.lock("stock:" + products.get(index)), lockTtlMs,
        lock -> withLocks(products, index + 1, work));
  }

  // ------------------------------------------------------------------ expiry and recovery

  /** Gives back the units of holds whose time has come; answers how many holds expired. */
  public Future<Integer> sweepExpired(int max) {
    long now = clock.millis();
    return cache.expired(now, max).compose(members -> {
      AtomicLong expired = new AtomicLong();
      return Concurrently.forEach(members, 16, member -> {
        int bar = member.indexOf('|');
        String userId = member.substring(0, bar);
        String checkoutId = member.substring(bar + 1);
        return cache.release(userId, checkoutId, Checkout.EXPIRED, now, false).compose(n -> {
          if (n == 1) {
            expired.incrementAndGet();
            return ledger.leaveHeld(checkoutId, Checkout.EXPIRED).compose(x -> onHoldGivenBack.apply(checkoutId));
          }
          return Future.succeededFuture();
        });
      }).map(x -> (int) expired.get());
    });
  }

  /** Finishes or undoes confirms whose process died between the database commit and the Redis update. */
  public Future<Integer> recoverStaleConfirms() {
    return cache.staleConfirms(clock.millis() - STALE_CONFIRM_MS, 100).compose(members ->
        Concurrently.forEach(members, 8, member -> {
          int bar = member.indexOf('|');
          String userId = member.substring(0, bar);
          String checkoutId = member.substring(bar + 1);
          return ledger.checkout(checkoutId).compose(c -> {
            if (c != null && Checkout.CONFIRMED.equals(c.status())) {
              return cache.endConfirm(userId, checkoutId, true);
            }
            if (c != null && Checkout.HELD.equals(c.status())) {
              return cache.endConfirm(userId, checkoutId, false);
            }
            return cache.release(userId, checkoutId, Checkout.RELEASED, clock.millis(), true);
          });
        }).map(members.size()));
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
    return cache.tryRebuildLock(120_000).compose(mine -> {
      if (mine) {
        // Another process may have finished a rebuild between our check and our lock: rebuilding again while holds
        // are already being taken would overwrite them.
        return cache.isReady().compose(ready -> ready ? Future.<Void>succeededFuture() : rebuild())
            .eventually(cache::dropRebuildLock);
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
   * from PostgreSQL, then sets the sentinel. Holds and confirms answer NOT_READY until then.
   */
  public Future<ReconcileReport> rebuildReport() {
    Instant now = Instant.ofEpochMilli(clock.millis());
    return ledger.activeHolds(now).compose(rows -> {
      Map<String, List<Row>> byCheckout = new LinkedHashMap<>();
      rows.forEach(r -> byCheckout.computeIfAbsent(r.getString("checkout_id"), k -> new ArrayList<>()).add(r));
      List<Map.Entry<String, List<Row>>> holds = new ArrayList<>(byCheckout.entrySet());
      return Concurrently.forEach(holds, 32, e -> {
        Row first = e.getValue().get(0);
        StringBuilder items = new StringBuilder();
        for (Row r : e.getValue()) {
          if (items.length() > 0) {
            items.append(';');
          }
          items.append(r.getString("product_id")).append(':').append(r.getInteger("quantity")).append(':')
              .append(r.getInteger("limit_per_user")).append(':')
              .append(r.getString("event_id") == null ? "" : r.getString("event_id"));
        }
        return cache.restoreHold(first.getString("user_id"), e.getKey(),
            first.getOffsetDateTime("expires_at").toInstant().toEpochMilli(), items.toString());
      });
    }).compose(x -> ledger.limitCounters(now)).compose(rows -> {
      Map<String, Map<String, Long>> perUser = new HashMap<>();
      rows.forEach(r -> perUser.computeIfAbsent(r.getString("user_id"), k -> new HashMap<>())
          .put(r.getString("event_id") + "|" + r.getString("product_id"), r.getLong("units")));
      return Concurrently.forEach(new ArrayList<>(perUser.entrySet()), 32, e -> cache.setLimits(e.getKey(), e.getValue()));
    }).compose(x -> ledger.allProductIds()).compose(ids -> resetFromTruth(ids, now, true))
        .compose(report -> cache.markReady().map(report));
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
            // After a flush Redis has no holds: take them from the database. No lock needed — until the sentinel is
            // back, holds and confirms wait, and reconciles wait for this rebuild.
            ? cache.reset(t.productId(), t.quantity(), t.activeHeld())
            // Live: under the product's lock (no confirm interleaves); Redis's held count includes holds the sweeper
            // has not expired yet, so keep it.
            : redlock.withLock(keys.lock("stock:" + t.productId()), lockTtlMs, lock -> ledger.truth(
                List.of(t.productId()), now).compose(fresh ->
                cache.reset(t.productId(), fresh.isEmpty() ? 0 : fresh.get(0).quantity(), null))))
            .onSuccess(r -> {
              if (r[0] >= 0) {
                drift.addAndGet(Math.abs(r[0] - r[1]));
              }
            })))).map(x -> new ReconcileReport(productIds.size(), drift.get()));
  }

  // ------------------------------------------------------------------ helpers

  private static ApiException soldOut(String productId) {
    return new ApiException(ErrorCode.SOLD_OUT, "'" + productId + "' is sold out",
        new JsonObject().put("productId", productId));
  }

  private static ApiException holdExpired(Checkout c) {
    return new ApiException(ErrorCode.HOLD_EXPIRED, "the hold of checkout '" + c.checkoutId()
        + "' has expired or was released", new JsonObject().put("checkoutId", c.checkoutId()));
  }

  public static String newCheckoutId() {
    return Ids.random("co_");
  }
}
