package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.GroupCommit;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The confirm path of inventory: turns holds into sold units by group commit (see {@link GroupCommit} and
 * {@link StockLedger#confirmBatch}) — queueing, the locks of a batch, splitting a batch that failed, and telling each
 * member its own outcome. One event loop's state: the {@link ConfirmVerticle} owns it.
 * Longer than our usual class: the queue, the batch's locks and the failure splitting share one set of invariants
 * (every member learns its own outcome or is left for recovery) that reads best in one place.
 */
public final class StockConfirms {

  private static final Logger LOG = LoggerFactory.getLogger(StockConfirms.class);

  private final StockRecovery recovery;
  private final StockCache cache;
  private final StockLedger ledger;
  private final Redlock redlock;
  private final RedisKeys keys;
  private final Clock clock;
  private final long lockTtlMs;
  private final GroupCommit<Waiting> confirms;
  private final ConfirmHook confirmHook;
  private final int confirmShards;

  StockConfirms(StockRecovery recovery, StockCache cache, StockLedger ledger, Redlock redlock, RedisKeys keys,
                Clock clock, InventoryConfig config, ConfirmHook confirmHook) {
    this.recovery = recovery;
    this.cache = cache;
    this.ledger = ledger;
    this.redlock = redlock;
    this.keys = keys;
    this.clock = clock;
    this.lockTtlMs = config.lockTtlMillis();
    this.confirms = new GroupCommit<>("confirms", clock, config.confirmQueueMax(), config.confirmBatchMax(), this::commitBatch);
    this.confirmHook = confirmHook;
    this.confirmShards = config.confirmShards();
  }

  /** A confirmed checkout, and whether its order was confirmed in the same transaction (see {@link ConfirmHook}). */
  public record Confirmation(Checkout checkout, boolean orderConfirmed) {
  }

  /**
   * Turns the hold into sold units: hold marked CONFIRMING → group-committed with the product's other confirms
   * waiting at the same moment (one Redlock per product, one PostgreSQL transaction: the versioned decrement of their
   * sum, CONFIRMED, coupons redeemed for their orders, the orders confirmed through the {@link ConfirmHook}) → hold
   * consumed. {@code known} is the checkout as the caller read it (saves a read; {@code null} reads it). Nothing starts
   * after {@code deadlineMillis} (the caller has given up by then). A failure that PostgreSQL rolled back puts the hold
   * back as it was (503), except a database that has no stock left, which releases the hold (SOLD_OUT). Idempotent: a
   * checkout PostgreSQL already confirmed answers as confirmed.
   */
  public Future<Confirmation> confirm(Checkout known, String checkoutId, String orderId, String paymentId,
                                      long deadlineMillis) {
    Future<Checkout> read = known != null ? Future.succeededFuture(known) : ledger.checkout(checkoutId);
    return read.compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (Checkout.CONFIRMED.equals(c.status())) {
        // PostgreSQL already took the units (a retry, or an answer lost with a connection or a process):
        // confirm is idempotent — finish Redis's side and answer as before.
        return cache.endConfirm(c.userId(), c.checkoutId(), c.productIds(), true).otherwise(0).map(new Confirmation(c, false));
      }
      return beginConfirm(c, 0).compose(go -> go ? commitInBatch(c, orderId, paymentId, deadlineMillis)
          : Future.succeededFuture(new Confirmation(c, false)));
    });
  }

  /**
   * Answers true when the decrement must run, false when the checkout is already confirmed (a retry). Every product's
   * hold is marked CONFIRMING (one script per product); when one cannot be, the marks this call made are taken back
   * and the worst answer decides.
   */
  private Future<Boolean> beginConfirm(Checkout c, int retries) {
    List<String> products = c.productIds();
    return cache.beginConfirm(c.userId(), c.checkoutId(), products, clock.millis()).compose(codes -> {
      String code = worst(codes);
      List<String> begun = new ArrayList<>();
      for (int i = 0; i < codes.size(); i++) {
        if ("OK".equals(codes.get(i)) || StockCache.UNKNOWN.equals(codes.get(i))) {
          begun.add(products.get(i)); // an unanswered mark may be set: taken back like the others
        }
      }
      boolean go = "OK".equals(code) || ("MISSING".equals(code) && Checkout.HELD.equals(c.status())
          // Redis lost a hold entry (a flush, or a master's slots): PostgreSQL's row is the truth and layer 3 still
          // guards stock.
          && c.expiresAt().toEpochMilli() > clock.millis());
      if (go) {
        return Future.succeededFuture(true);
      }
      Future<Integer> undone = begun.isEmpty() ? Future.succeededFuture(0)
          : cache.endConfirm(c.userId(), c.checkoutId(), begun, false).otherwise(0);
      return undone.compose(x -> switch (code) {
        case "NOT_LOADED" -> {
          if (retries > 0) {
            yield Future.failedFuture(ApiException.unavailable("inventory is being rebuilt; retry shortly"));
          }
          List<Future<?>> loads = new ArrayList<>();
          for (int i = 0; i < codes.size(); i++) {
            if ("NOT_LOADED".equals(codes.get(i))) {
              loads.add(recovery.load(products.get(i)));
            }
          }
          yield Future.all(loads).compose(y -> beginConfirm(c, retries + 1));
        }
        case StockCache.UNKNOWN -> Future.failedFuture(ApiException.unavailable(
            "Redis did not answer marking the hold; retry shortly"));
        case "CONFIRMING" -> Future.failedFuture(new ApiException(ErrorCode.REQUEST_IN_PROGRESS,
            "this checkout is being confirmed"));
        case "EXPIRED" -> recovery.giveBack(c.userId(), c.checkoutId(), products, Checkout.EXPIRED).compose(status ->
            Checkout.CONFIRMED.equals(status) ? Future.succeededFuture(false)
                : Future.failedFuture(InventoryService.holdExpired(c)));
        case "MISSING" -> Checkout.CONFIRMED.equals(c.status()) ? Future.succeededFuture(false)
            : Future.failedFuture(InventoryService.holdExpired(c));
        default -> Future.failedFuture(InventoryService.holdExpired(c));
      });
    });
  }

  /** The answer that decides a multi-product begin: the first of these found, else OK. */
  private static String worst(List<String> codes) {
    for (String code : List.of(StockCache.UNKNOWN, "NOT_LOADED", "CONFIRMING", "EXPIRED")) {
      if (codes.contains(code)) {
        return code;
      }
    }
    return codes.stream().filter(x -> !"OK".equals(x) && !"MISSING".equals(x)).findFirst()
        .orElse(codes.contains("MISSING") ? "MISSING" : "OK");
  }

  private static final long REDIS_SETTLE_MILLIS = 2_000;

  /** A confirm waiting for its batch; the batch settles it with PostgreSQL's outcome for it. */
  private static final class Waiting implements GroupCommit.Member {
    final ConfirmHook.Confirming confirming;
    final long deadline;
    final Promise<Boolean> committed = Promise.promise(); // true: its order was confirmed with it

    Waiting(ConfirmHook.Confirming confirming, long deadline) {
      this.confirming = confirming;
      this.deadline = deadline;
    }

    String checkoutId() {
      return confirming.checkout().checkoutId();
    }

    @Override
    public long deadlineMillis() {
      return deadline;
    }

    @Override
    public void refuse(Throwable reason) {
      committed.tryFail(reason);
    }
  }

  /** The batch left this checkout out because it was no longer HELD: PostgreSQL says whether it was confirmed. */
  private static final class NotHeld extends RuntimeException {
    NotHeld() {
      super("not held", null, false, false);
    }
  }

  /** The batch's outcome is unknown (its connection died, maybe after COMMIT): PostgreSQL says. */
  private static final class OutcomeUnknown extends RuntimeException {
    OutcomeUnknown(Throwable cause) {
      super(String.valueOf(cause), cause, false, false);
    }
  }

  private Future<Confirmation> commitInBatch(Checkout c, String orderId, String paymentId, long deadlineMillis) {
    Waiting w = new Waiting(new ConfirmHook.Confirming(c, orderId, paymentId), deadlineMillis);
    // Keyed by a shard of the first product (sorted): a product's confirms always meet in one queue, and confirms
    // of different products in a shard share a batch (one lock pipeline, one transaction).
    confirms.submit("shard-" + Math.floorMod(firstProduct(c).hashCode(), confirmShards), w);
    return w.committed.future().transform(ar -> {
      if (ar.succeeded()) {
        // (the batch already ended the confirm in Redis, for all its members in one pipeline)
        return Future.succeededFuture(new Confirmation(confirmed(c), ar.result()));
      }
      Throwable err = ar.cause();
      if (err instanceof NotHeld || err instanceof OutcomeUnknown) {
        return ledger.status(c.checkoutId()).transform(st -> {
          if (st.succeeded() && Checkout.CONFIRMED.equals(st.result())) {
            return cache.endConfirm(c.userId(), c.checkoutId(), c.productIds(), true).otherwise(0)
                .map(x -> new Confirmation(confirmed(c), false));
          }
          if (st.failed()) {
            // Not known whether an earlier attempt confirmed it: not a refusal (the stale sweep settles Redis).
            return Future.failedFuture(ApiException.unavailable("could not read the checkout's status; retry shortly"));
          }
          Throwable why = err instanceof NotHeld ? InventoryService.holdExpired(c) : err.getCause();
          return cache.endConfirm(c.userId(), c.checkoutId(), c.productIds(), false).transform(x -> Future.failedFuture(why));
        });
      }
      if (err instanceof ApiException api && api.code() == ErrorCode.SOLD_OUT) {
        // PostgreSQL has fewer units than Redis promised: the hold cannot be honoured.
        List<Future<?>> reconciled = new ArrayList<>();
        c.items().forEach(i -> reconciled.add(recovery.load(i.productId())));
        return recovery.giveBack(c.userId(), c.checkoutId(), c.productIds(), Checkout.RELEASED)
            .compose(x -> Future.join(reconciled)).transform(x -> Future.failedFuture(err));
      }
      return cache.endConfirm(c.userId(), c.checkoutId(), c.productIds(), false).transform(x -> Future.failedFuture(
          err instanceof Redlock.LockUnavailableException ? ApiException.unavailable(err.getMessage()) : err));
    });
  }

  private static String firstProduct(Checkout c) {
    return c.items().stream().map(PricedItem::productId).sorted().findFirst().orElseThrow();
  }

  private static Checkout confirmed(Checkout c) {
    return new Checkout(c.checkoutId(), c.userId(), c.items(), c.subtotal(), c.discount(), c.total(), c.couponId(),
        c.expiresAt(), Checkout.CONFIRMED);
  }

  /**
   * Commits one batch: the locks of every product in it (sorted), then one transaction. Members whose deadline passed
   * while the locks were taken are dropped first. A member that breaks the batch is refused alone and the rest go
   * again; a conflict splits the batch into members committed one by one (still under the locks).
   */
  private Future<Void> commitBatch(List<Waiting> batch) {
    List<String> products = new ArrayList<>(new TreeSet<>(batch.stream()
        .flatMap(w -> w.confirming.checkout().items().stream().map(PricedItem::productId)).toList()));
    long latest = batch.stream().mapToLong(w -> w.deadline).max().orElse(0);
    return withLocks(products, latest, () -> commitUnderLocks(live(batch, "taking its locks"))).recover(err -> {
      Map<String, List<Waiting>> groups = byProductSet(batch);
      if (err instanceof Redlock.LockUnavailableException && groups.size() > 1) {
        // One product's lock is busy (a multi-product checkout naming a product hot in another shard): the members
        // that do not need it must not wait for it. Each product set goes on its own, with its own locks.
        Future<Void> each = Future.succeededFuture();
        for (List<Waiting> group : groups.values()) {
          each = each.compose(x -> {
            List<Waiting> live = live(group, "after its batch was split");
            return live.isEmpty() ? Future.succeededFuture() : commitBatch(live);
          });
        }
        return each;
      }
      batch.forEach(w -> w.refuse(err));
      return Future.succeededFuture();
    });
  }

  /** The members still inside their deadline; the others are refused as not started. */
  private List<Waiting> live(List<Waiting> members, String when) {
    long now = clock.millis();
    List<Waiting> live = new ArrayList<>();
    for (Waiting w : members) {
      if (now >= w.deadline) {
        w.refuse(new GroupCommit.NotStarted("the confirm ran out of time " + when));
      } else {
        live.add(w);
      }
    }
    return live;
  }

  /** Members grouped by the set of products they touch (a stalled product fails only the groups that name it). */
  private static Map<String, List<Waiting>> byProductSet(List<Waiting> batch) {
    Map<String, List<Waiting>> groups = new java.util.TreeMap<>();
    for (Waiting w : batch) {
      String set = String.join(",", new TreeSet<>(w.confirming.checkout().items().stream()
          .map(PricedItem::productId).toList()));
      groups.computeIfAbsent(set, k -> new ArrayList<>()).add(w);
    }
    return groups;
  }

  private Future<Void> commitUnderLocks(List<Waiting> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    return ledger.confirmBatch(batch.stream().map(w -> w.confirming).toList(), confirmHook).transform(ar -> {
      if (ar.succeeded()) {
        settle(batch, ar.result());
        return Future.<Void>succeededFuture();
      }
      Throwable err = ar.cause();
      if (err instanceof StockLedger.MemberRefused refused) {
        List<Waiting> rest = new ArrayList<>();
        for (Waiting w : batch) {
          if (w.checkoutId().equals(refused.checkoutId())) {
            w.refuse(refused.reason());
          } else {
            rest.add(w);
          }
        }
        return commitUnderLocks(live(rest, "after a batch-mate was refused"));
      }
      // PostgreSQL answered with an error, so nothing committed (a lock or statement timeout, a conflict, bad data).
      boolean rolledBack = err instanceof ApiException || err instanceof StockLedger.BatchConflict
          || err instanceof PgException;
      Map<String, List<Waiting>> groups = byProductSet(batch);
      if (rolledBack && groups.size() > 1) {
        // A stalled or changed product must not fail its neighbours: each product set goes again on its own
        // (still under the locks, each only inside its deadline).
        return splitInto(new ArrayList<>(groups.values()));
      }
      if (rolledBack && batch.size() > 1 && !(err instanceof ApiException api && api.code() == ErrorCode.UNAVAILABLE)) {
        // One product set, and something about one member broke it: one by one finds it (a 503 for a stalled row
        // would only repeat for each).
        return splitInto(batch.stream().map(List::of).toList());
      }
      if (err instanceof ApiException || err instanceof StockLedger.BatchConflict) {
        batch.forEach(w -> w.refuse(err instanceof ApiException ? err
            : ApiException.unavailable("stock changed under the confirm; retry shortly")));
        return Future.<Void>succeededFuture();
      }
      // A failure after the COMMIT was sent (the connection died), or an error we cannot place: PostgreSQL decides.
      batch.forEach(w -> w.refuse(new OutcomeUnknown(err)));
      return Future.<Void>succeededFuture();
    });
  }

  /** Commits each part in turn (under the locks already held), each member only inside its deadline. */
  private Future<Void> splitInto(List<List<Waiting>> parts) {
    Future<Void> each = Future.succeededFuture();
    for (List<Waiting> part : parts) {
      each = each.compose(x -> commitUnderLocks(live(part, "after its batch was split")));
    }
    return each;
  }

  /**
   * Answers every member of a committed batch at once, then consumes the confirmed holds in Redis in one pipeline
   * behind the answers (bounded; a failure is settled by the stale-confirm sweep from PostgreSQL's status) — a slow
   * Redis must neither hold the shard's next batch nor withhold answers PostgreSQL already gave.
   */
  private void settle(List<Waiting> batch, StockLedger.BatchResult r) {
    List<Checkout> confirmed = new ArrayList<>();
    for (Waiting w : batch) {
      String id = w.checkoutId();
      if (r.confirmed().contains(id)) {
        confirmed.add(w.confirming.checkout());
        w.committed.tryComplete(w.confirming.orderId() != null && r.ordersConfirmed().contains(w.confirming.orderId()));
      } else if (r.refused().containsKey(id)) {
        w.refuse(r.refused().get(id));
      } else {
        w.refuse(new NotHeld());
      }
    }
    cache.endConfirmed(confirmed).timeout(REDIS_SETTLE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .onFailure(err -> LOG.warn("consuming {} confirmed holds in Redis failed ({}); the stale-confirm sweep settles"
            + " them", confirmed.size(), err.toString()));
  }

  /**
   * Takes the locks of all the products at once (one pipeline per lock node; all or none, so two batches wanting
   * overlapping products never wait on each other in a cycle); gives up before taking them (nothing done yet) once
   * the deadline has passed.
   */
  private <T> Future<T> withLocks(List<String> products, long deadlineMillis, java.util.function.Supplier<Future<T>> work) {
    if (clock.millis() >= deadlineMillis) {
      return Future.failedFuture(new GroupCommit.NotStarted("the confirm ran out of time taking its locks"));
    }
    return redlock.withLocks(products.stream().map(keys::stockLock).toList(), lockTtlMs,
        locks -> work.get());
  }
}
