package io.flashsale.inventory;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.coupon.CouponStore;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.GroupedStatement;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The PostgreSQL side of inventory: checkouts, and layer 3 — the versioned (optimistic, fenced) stock decrement.
 * Longer than our usual class: {@link #confirmBatch} is one transaction (locks, admission, decrement, holds, sold-out,
 * coupons, the hook) whose steps must be read together.
 */
public final class StockLedger {

  private final Pool pool;
  private final Topics topics;
  private final int decrementAttempts;
  private final CouponStore coupons;
  private final GroupedStatement<Checkout, Void> inserts = new GroupedStatement<>("checkout inserts",
      2_000, 64, 1_000, 3_000, this::insertMany);

  public StockLedger(Pool pool, Topics topics, int decrementAttempts) {
    this.pool = pool;
    this.topics = topics;
    this.decrementAttempts = decrementAttempts;
    this.coupons = new CouponStore(pool, topics);
  }

  /** A stock row as read: what is left and the version a decrement must match. */
  public record StockRow(long quantity, long version) {
  }

  /** The database's view of one product during a rebuild: its quantity and the units in active holds. */
  public record Truth(String productId, long quantity, long activeHeld) {
  }

  public Pool pool() {
    return pool;
  }

  /** Stores a new checkout, in one statement with the checkouts stored at the same moment (a group commit). */
  public Future<Void> insertCheckout(Checkout c) {
    return inserts.run(c);
  }

  private Future<List<Void>> insertMany(List<Checkout> cs) {
    ItemColumns lines = ItemColumns.of(cs);
    return pool.preparedQuery(InventorySql.INSERT_CHECKOUTS).execute(Tuple.wrap(new Object[] {
        cs.stream().map(Checkout::checkoutId).toArray(String[]::new),
        cs.stream().map(Checkout::userId).toArray(String[]::new),
        cs.stream().map(Checkout::subtotal).toArray(Long[]::new),
        cs.stream().map(Checkout::discount).toArray(Long[]::new),
        cs.stream().map(Checkout::total).toArray(Long[]::new),
        cs.stream().map(Checkout::couponId).toArray(String[]::new),
        cs.stream().map(c -> c.expiresAt().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new),
        lines.checkoutIds(), lines.productIds(), lines.positions(), lines.quantities(), lines.unitPrices(),
        lines.eventIds(), lines.limitsPerUser()})).map(rs -> Collections.nCopies(cs.size(), null));
  }

  /** The checkout, or {@code null}. */
  public Future<Checkout> checkout(String checkoutId) {
    return pool.preparedQuery(InventorySql.CHECKOUT).execute(Tuple.of(checkoutId)).map(StockLedger::toCheckout);
  }

  /**
   * Gives a HELD checkout up in PostgreSQL — RELEASED, or EXPIRED when its time has come by {@code now} — and its
   * reserved coupon with it, in one transaction. This is the gate every give-back passes first: once the row has
   * left HELD no confirm can commit (a confirm moves HELD → CONFIRMED in its own transaction), so Redis may then
   * return the units. Answers the checkout's status afterwards, read fresh: RELEASED/EXPIRED (by us or earlier),
   * CONFIRMED (a confirm won), HELD (not expired yet), or {@code null} (no such checkout).
   */
  public Future<String> giveBack(String checkoutId, String status, Instant now) {
    return pool.withTransaction(tx -> tx.preparedQuery(InventorySql.GIVE_BACK)
        .execute(Tuple.of(checkoutId, status, now.atOffset(ZoneOffset.UTC), Checkout.EXPIRED.equals(status),
            Checkout.HELD))
        .compose(rs -> rs.rowCount() == 1
            ? coupons.restoreReserved(tx, checkoutId).map(status)
            // A statement of its own: a fresh snapshot sees a confirm that committed while we waited for the row.
            : tx.preparedQuery(InventorySql.STATUS).execute(Tuple.of(checkoutId))
                .map(st -> st.size() == 0 ? null : st.iterator().next().getString(0))));
  }

  /** The checkout's status in PostgreSQL, or {@code null}. */
  public Future<String> status(String checkoutId) {
    return pool.preparedQuery(InventorySql.STATUS).execute(Tuple.of(checkoutId))
        .map(st -> st.size() == 0 ? null : st.iterator().next().getString(0));
  }

  /** A product's stock row as it stands ({@code null}: no such product). */
  public Future<StockRow> readStock(String productId) {
    return readStock(pool, productId);
  }

  public Future<StockRow> readStock(SqlClient client, String productId) {
    return client.preparedQuery(InventorySql.READ_STOCK).execute(Tuple.of(productId)).map(rs -> {
      if (rs.size() == 0) {
        return null;
      }
      Row r = rs.iterator().next();
      return new StockRow(r.getLong(0), r.getLong(1));
    });
  }

  /** One decrement against the version read; {@code null} means another writer changed the row first. */
  public Future<StockRow> tryDecrement(SqlClient client, String productId, int units, long expectedVersion) {
    return client.preparedQuery(InventorySql.DECREMENT_STOCK).execute(Tuple.of(productId, units, expectedVersion))
        .map(rs -> {
          if (rs.rowCount() == 0) {
            return null;
          }
          Row r = rs.iterator().next();
          return new StockRow(r.getLong(0), r.getLong(1));
        });
  }

  /** How each member of a committed batch came out: confirmed, refused (SOLD_OUT), or no longer HELD. */
  public record BatchResult(Set<String> confirmed, Map<String, ApiException> refused, Set<String> notHeld,
                            Set<String> ordersConfirmed) {
  }

  /** One member broke its batch (its coupon could not be redeemed): nothing committed; run the rest again without it. */
  public static final class MemberRefused extends RuntimeException {
    private final String checkoutId;
    private final ApiException reason;

    MemberRefused(String checkoutId, ApiException reason) {
      super(reason.getMessage(), null, false, false);
      this.checkoutId = checkoutId;
      this.reason = reason;
    }

    public String checkoutId() {
      return checkoutId;
    }

    public ApiException reason() {
      return reason;
    }
  }

  /** A batch met a change it could not absorb (a stock row or a checkout moved under it): nothing committed; split it. */
  public static final class BatchConflict extends RuntimeException {
    BatchConflict(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Group commit of confirms (the caller holds the products' locks): in one transaction, reads the stock rows and
   * which checkouts are still HELD, admits members in order while their units fit, takes each product's admitted units
   * with one versioned decrement of their sum, marks the admitted checkouts CONFIRMED, redeems their coupons for their
   * orders, and lets {@code hook} confirm those orders. A member whose units do not fit is refused SOLD_OUT; one no
   * longer HELD is left out (the caller asks PostgreSQL whether it was confirmed earlier). Fails, rolled back, with
   * {@link MemberRefused} (run again without that member), {@link BatchConflict} (split), or a 503 when PostgreSQL
   * refused (lock or statement timeout, deadlock). Lock order as documented: stock rows by product id, then
   * checkouts, products, events, coupons, orders.
   */
  public Future<BatchResult> confirmBatch(List<ConfirmHook.Confirming> members, ConfirmHook hook) {
    String[] ids = members.stream().map(m -> m.checkout().checkoutId()).toArray(String[]::new);
    TreeSet<String> productSet = new TreeSet<>();
    members.forEach(m -> m.checkout().items().forEach(i -> productSet.add(i.productId())));
    String[] products = productSet.toArray(String[]::new);
    return pool.withTransaction(tx -> {
      // Two reads, pipelined on the transaction's connection: one round trip.
      Future<RowSet<Row>> stockRows = tx.preparedQuery(InventorySql.READ_STOCKS).execute(Tuple.of((Object) products));
      Future<RowSet<Row>> heldRows = tx.preparedQuery(InventorySql.HELD_AMONG).execute(Tuple.of(ids, Checkout.HELD));
      return Future.all(stockRows, heldRows).compose(x -> {
        Map<String, StockRow> stock = new HashMap<>();
        stockRows.result().forEach(r -> stock.put(r.getString(0), new StockRow(r.getLong(1), r.getLong(2))));
        Set<String> held = new HashSet<>();
        heldRows.result().forEach(r -> held.add(r.getString(0)));
        Map<String, Long> left = new HashMap<>();
        stock.forEach((p, row) -> left.put(p, row.quantity()));
        List<ConfirmHook.Confirming> admitted = new ArrayList<>();
        Map<String, ApiException> refused = new LinkedHashMap<>();
        Set<String> notHeld = new LinkedHashSet<>();
        for (ConfirmHook.Confirming m : members) {
          String id = m.checkout().checkoutId();
          if (!held.contains(id)) {
            notHeld.add(id);
            continue;
          }
          PricedItem short_ = m.checkout().items().stream()
              .filter(i -> left.getOrDefault(i.productId(), 0L) < i.quantity()).findFirst().orElse(null);
          if (short_ != null) {
            long available = left.getOrDefault(short_.productId(), 0L);
            refused.put(id, soldOut(short_.productId(), available));
            continue;
          }
          m.checkout().items().forEach(i -> left.merge(i.productId(), (long) -i.quantity(), Long::sum));
          admitted.add(m);
        }
        if (admitted.isEmpty()) {
          return Future.succeededFuture(new BatchResult(Set.of(), refused, notHeld, Set.of()));
        }
        Map<String, Integer> units = new TreeMap<>();
        admitted.forEach(m -> m.checkout().items().forEach(i -> units.merge(i.productId(), i.quantity(), Integer::sum)));
        List<SoldOut> soldOut = new ArrayList<>();
        Future<Void> chain = decrementAll(tx, units, stock, soldOut, members.size() == 1);
        String[] admittedIds = admitted.stream().map(m -> m.checkout().checkoutId()).toArray(String[]::new);
        return chain
            .compose(v -> tx.preparedQuery(InventorySql.CONFIRM_HELD).execute(Tuple.of(admittedIds, Checkout.HELD)))
            .compose(rs -> {
              if (rs.rowCount() != admittedIds.length) {
                // A give-back committed between our read and our update: its checkout is out, our sum is wrong.
                return Future.failedFuture(members.size() == 1 ? notHeld(admittedIds[0])
                    : new BatchConflict("a checkout of the batch left HELD while the batch ran"));
              }
              return announceSoldOut(tx, soldOut);
            })
            .compose(v -> redeemCoupons(tx, admitted, 0))
            .compose(v -> hook.confirmed(tx, admitted))
            .map(orders -> new BatchResult(Set.of(admittedIds), refused, notHeld, orders));
      });
    }).recover(err -> Future.failedFuture(err instanceof PgException pg && ROLLED_BACK.contains(pg.getSqlState())
        ? ApiException.unavailable("stock of this checkout is contended (" + pg.getSqlState() + "); retry shortly")
        : err));
  }

  private static ApiException soldOut(String productId, long available) {
    return new ApiException(ErrorCode.SOLD_OUT, "not enough stock for '" + productId + "'",
        new JsonObject().put("productId", productId).put("available", available));
  }

  private static ApiException notHeld(String checkoutId) {
    return new ApiException(ErrorCode.HOLD_EXPIRED, "checkout '" + checkoutId + "' is no longer held");
  }

  /** PostgreSQL refused and rolled back: deadlock, serialisation, lock or statement timeout. Nothing committed. */
  private static final java.util.Set<String> ROLLED_BACK = java.util.Set.of("40P01", "40001", "55P03", "57014");

  /** Each admitted member with a coupon redeems exactly one grant for its order, or the batch rolls back without it. */
  private Future<Void> redeemCoupons(SqlConnection tx, List<ConfirmHook.Confirming> admitted, int from) {
    for (int i = from; i < admitted.size(); i++) {
      ConfirmHook.Confirming m = admitted.get(i);
      Checkout c = m.checkout();
      if (c.couponId() != null) {
        int next = i + 1;
        return coupons.redeem(tx, c.checkoutId(), m.orderId()).compose(n -> n == 1 ? redeemCoupons(tx, admitted, next)
            : Future.failedFuture(new MemberRefused(c.checkoutId(), new ApiException(ErrorCode.COUPON_NOT_APPLICABLE,
                "coupon '" + c.couponId() + "' is no longer reserved for checkout '" + c.checkoutId() + "'",
                new JsonObject().put("couponId", c.couponId()).put("checkoutId", c.checkoutId())))));
      }
    }
    return Future.succeededFuture();
  }

  /** A product this transaction sold out, with its stock row after the decrement. */
  private record SoldOut(String productId, StockRow after) {
  }

  /**
   * Every product's units in one statement, each against the version read; a product the statement did not take
   * (its row changed under us) goes the one-product way, read again and retried.
   */
  private Future<Void> decrementAll(SqlConnection tx, Map<String, Integer> units, Map<String, StockRow> stock,
                                    List<SoldOut> soldOut, boolean alone) {
    List<String> products = new ArrayList<>(units.keySet());
    for (String p : products) {
      if (stock.get(p) == null) {
        return decrement(tx, p, units.get(p), null, 1, soldOut, alone);
      }
    }
    return tx.preparedQuery(InventorySql.DECREMENT_STOCKS).execute(Tuple.of(products.toArray(String[]::new),
            products.stream().map(units::get).toArray(Integer[]::new),
            products.stream().map(p -> stock.get(p).version()).toArray(Long[]::new)))
        .compose(rs -> {
          Set<String> taken = new HashSet<>();
          for (Row r : rs) {
            taken.add(r.getString(0));
            if (r.getLong(1) == 0) {
              soldOut.add(new SoldOut(r.getString(0), new StockRow(r.getLong(1), r.getLong(2))));
            }
          }
          Future<Void> rest = Future.succeededFuture();
          for (String p : products) {
            if (!taken.contains(p)) {
              rest = rest.compose(x -> readStock(tx, p).compose(row -> decrement(tx, p, units.get(p), row, 2, soldOut,
                  alone)));
            }
          }
          return rest;
        });
  }

  /**
   * One versioned decrement of {@code units} against the row as read; on a version conflict (a writer outside the
   * lock: a cancel's restock, an operator's stock set) the row is read again, at most {@code decrementAttempts} times.
   * A row that no longer has the units fails the batch (SOLD_OUT when the batch is one checkout, else a conflict to
   * split on).
   */
  private Future<Void> decrement(SqlConnection tx, String productId, int units, StockRow row, int attempt,
                                 List<SoldOut> soldOut, boolean alone) {
    if (row == null || row.quantity() < units) {
      return Future.failedFuture(alone ? soldOut(productId, row == null ? 0 : row.quantity())
          : new BatchConflict("stock of '" + productId + "' changed under the batch"));
    }
    return tryDecrement(tx, productId, units, row.version()).compose(after -> {
      if (after != null) {
        if (after.quantity() == 0) {
          soldOut.add(new SoldOut(productId, after));
        }
        return Future.<Void>succeededFuture();
      }
      if (attempt >= decrementAttempts) {
        return Future.failedFuture(ApiException.unavailable("stock of '" + productId
            + "' changed under us " + attempt + " times; retry shortly"));
      }
      return readStock(tx, productId).compose(again -> decrement(tx, productId, units, again, attempt + 1, soldOut,
          alone));
    });
  }

  /**
   * The products that sold out change their views: bump their versions (by product id), then their events', and tell
   * the projector through the outbox — after every stock row, in the lock order.
   */
  private Future<Void> announceSoldOut(SqlConnection tx, List<SoldOut> unsorted) {
    List<SoldOut> soldOut = new ArrayList<>(unsorted);
    soldOut.sort(java.util.Comparator.comparing(SoldOut::productId));
    Future<Void> chain = Future.succeededFuture();
    List<OutboxEvent> events = new ArrayList<>();
    for (SoldOut gone : soldOut) {
      chain = chain.compose(x -> tx.preparedQuery(InventorySql.BUMP_PRODUCT_VERSION).execute(Tuple.of(gone.productId()))
          .map(rs -> {
            events.add(OutboxEvent.of(topics.products(), "product", gone.productId(), CatalogStore.STOCK_SET,
                rs.iterator().next().getLong(0), new JsonObject().put("productId", gone.productId())
                    .put("quantity", gone.after().quantity()).put("version", gone.after().version())));
            return null;
          }));
    }
    return chain.compose(x -> soldOut.isEmpty() ? Future.<Void>succeededFuture()
        : tx.preparedQuery(InventorySql.BUMP_EVENTS_OF_PRODUCTS).execute(Tuple.of((Object) soldOut.stream()
            .map(SoldOut::productId).toArray(String[]::new))).compose(rs -> OutboxStore.append(tx, events)));
  }

  /** Quantity and units in active (unexpired) holds, as PostgreSQL knows them. */
  public Future<List<Truth>> truth(List<String> productIds, Instant now) {
    Tuple args = Tuple.of(productIds.toArray(String[]::new), now.atOffset(ZoneOffset.UTC));
    // A rebuild's batch of many products is a whole-catalog read (exempt from the confirms' short timeout); one
    // product's live reconcile is not. Both are planned for their products: a hot product's items are many.
    Future<RowSet<Row>> read = inTransaction(productIds.size() > 1 ? InventorySql.SCAN_SETTINGS
        : InventorySql.PLANNED_FOR_ITS_VALUES, InventorySql.STOCK_WITH_ACTIVE_HOLDS, args);
    return read.map(rs -> {
          List<Truth> out = new ArrayList<>(rs.size());
          rs.forEach(r -> out.add(new Truth(r.getString(0), r.getLong(1), r.getLong(2))));
          return out;
        });
  }

  /** The ids among {@code productIds} that name no product (no stock row). */
  public Future<List<String>> unknownProducts(List<String> productIds) {
    return pool.preparedQuery(InventorySql.KNOWN_PRODUCTS).execute(Tuple.of((Object) productIds.toArray(String[]::new)))
        .map(rs -> {
          Set<String> known = new HashSet<>();
          rs.forEach(r -> known.add(r.getString(0)));
          return productIds.stream().filter(id -> !known.contains(id)).toList();
        });
  }

  /** Every product's quantity in PostgreSQL (the drift measure's truth). */
  public Future<Map<String, Long>> quantities() {
    return pool.query(InventorySql.ALL_QUANTITIES).execute().map(rs -> {
      Map<String, Long> out = new HashMap<>(rs.size() * 2);
      rs.forEach(r -> out.put(r.getString(0), r.getLong(1)));
      return out;
    });
  }

  public Future<List<String>> allProductIds() {
    return pool.query(InventorySql.ALL_PRODUCT_IDS).execute().map(rs -> {
      List<String> out = new ArrayList<>(rs.size());
      rs.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }

  /** Every product's item of every active hold ({@code productIds} null), or only these products'. */
  public Future<RowSet<Row>> activeHolds(Instant now, List<String> productIds) {
    return scan(InventorySql.ACTIVE_HOLDS, Tuple.of(now.atOffset(ZoneOffset.UTC), (Object) products(productIds)));
  }

  /** The per-user limit counters of every product ({@code productIds} null), or only these products'. */
  public Future<RowSet<Row>> limitCounters(Instant now, List<String> productIds) {
    return scan(InventorySql.LIMIT_COUNTERS, Tuple.of(now.atOffset(ZoneOffset.UTC), (Object) products(productIds)));
  }

  private static String[] products(List<String> productIds) {
    return productIds == null ? null : productIds.toArray(String[]::new);
  }

  /**
   * A rebuild's read: exempt from the pool's short statement timeout, which is there for confirms, and planned for its
   * arguments (see {@link InventorySql#SCAN_SETTINGS}).
   */
  private Future<RowSet<Row>> scan(String sql, Tuple args) {
    return inTransaction(InventorySql.SCAN_SETTINGS, sql, args);
  }

  /** {@code sql} in a transaction of its own whose {@code settings} ({@code set local ...}) it runs under. */
  private Future<RowSet<Row>> inTransaction(String settings, String sql, Tuple args) {
    return pool.withTransaction(tx -> tx.query(settings).execute().compose(x -> tx.preparedQuery(sql).execute(args)));
  }

  /** A checkout from rows of {@link InventorySql#CHECKOUT}'s columns (one per item), or {@code null} for none. */
  public static Checkout toCheckout(RowSet<Row> rows) {
    List<Row> all = new ArrayList<>(rows.size());
    rows.forEach(all::add);
    return toCheckout(all);
  }

  /** The checkout whose lines are {@code rows} (in line order), or {@code null} for none. */
  public static Checkout toCheckout(List<Row> rows) {
    if (rows.isEmpty()) {
      return null;
    }
    List<PricedItem> items = new ArrayList<>(rows.size());
    Row first = null;
    for (Row r : rows) {
      if (first == null) {
        first = r;
      }
      items.add(new PricedItem(r.getString("product_id"), r.getInteger("quantity"), r.getLong("unit_price"),
          r.getString("event_id"), r.getInteger("limit_per_user")));
    }
    return new Checkout(first.getString("checkout_id"), first.getString("user_id"), items, first.getLong("subtotal"),
        first.getLong("discount"), first.getLong("total"), first.getString("coupon_id"),
        first.getOffsetDateTime("expires_at").toInstant(), first.getString("status"));
  }
}
