package io.flashsale.inventory;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.coupon.CouponStore;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The PostgreSQL side of inventory: checkouts, and layer 3 — the versioned (optimistic, fenced) stock decrement. */
public final class StockLedger {

  private final Pool pool;
  private final Topics topics;
  private final int decrementAttempts;
  private final CouponStore coupons;

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

  public Future<Void> insertCheckout(Checkout c) {
    return pool.withTransaction(tx -> tx.preparedQuery(InventorySql.INSERT_CHECKOUT)
        .execute(Tuple.of(c.checkoutId(), c.userId(), c.subtotal(), c.discount(), c.total(), c.couponId(),
            c.expiresAt().atOffset(ZoneOffset.UTC)))
        .compose(x -> {
          List<Tuple> rows = new ArrayList<>(c.items().size());
          for (int i = 0; i < c.items().size(); i++) {
            PricedItem it = c.items().get(i);
            rows.add(Tuple.of(c.checkoutId(), it.productId(), i, it.quantity(), it.unitPrice(), it.eventId(),
                it.limitPerUser()));
          }
          return tx.preparedQuery(InventorySql.INSERT_ITEM).executeBatch(rows);
        }).mapEmpty());
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
        .execute(Tuple.of(checkoutId, status, now.atOffset(ZoneOffset.UTC), Checkout.EXPIRED.equals(status)))
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

  /**
   * Takes every item's units from PostgreSQL, marks the checkout CONFIRMED and redeems its reserved coupon for
   * {@code orderId}, in one transaction. Each decrement is re-read and retried on a version conflict, at most
   * {@code decrementAttempts} times, then 503. A checkout with a coupon must redeem exactly one grant, or nothing
   * commits. The inventory pool's {@code lock_timeout} bounds the wait for a row lock, so a stalled row fails the
   * confirm (rolled back, 503) instead of committing long after its caller gave up.
   */
  public Future<Void> confirm(Checkout c, String orderId) {
    // The documented lock order (README, "Lock order"): stock rows by product id, then products, then events.
    List<PricedItem> items = new ArrayList<>(c.items());
    items.sort(java.util.Comparator.comparing(PricedItem::productId));
    return pool.withTransaction(tx -> {
      List<SoldOut> soldOut = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (PricedItem item : items) {
        chain = chain.compose(x -> decrement(tx, item.productId(), item.quantity(), 1, soldOut));
      }
      return chain.compose(x -> announceSoldOut(tx, soldOut)).compose(x -> tx.preparedQuery(InventorySql.SET_STATUS_FROM_HELD)
          .execute(Tuple.of(c.checkoutId(), Checkout.CONFIRMED))).compose(rs -> rs.rowCount() == 1
          ? redeemCoupon(tx, c, orderId)
          : Future.failedFuture(new ApiException(ErrorCode.HOLD_EXPIRED,
              "checkout '" + c.checkoutId() + "' is no longer held")));
    }).recover(err -> Future.failedFuture(err instanceof PgException pg && ROLLED_BACK.contains(pg.getSqlState())
        ? ApiException.unavailable("stock of this checkout is contended (" + pg.getSqlState() + "); retry shortly")
        : err));
  }

  /** PostgreSQL refused and rolled back: deadlock, serialisation, lock or statement timeout. Nothing committed. */
  private static final java.util.Set<String> ROLLED_BACK = java.util.Set.of("40P01", "40001", "55P03", "57014");

  private Future<Void> redeemCoupon(SqlConnection tx, Checkout c, String orderId) {
    if (c.couponId() == null) {
      return Future.succeededFuture();
    }
    return coupons.redeem(tx, c.checkoutId(), orderId).compose(n -> n == 1 ? Future.<Void>succeededFuture()
        : Future.failedFuture(new ApiException(ErrorCode.COUPON_NOT_APPLICABLE, "coupon '" + c.couponId()
            + "' is no longer reserved for checkout '" + c.checkoutId() + "'",
            new JsonObject().put("couponId", c.couponId()).put("checkoutId", c.checkoutId()))));
  }

  /** A product this transaction sold out, with its stock row after the decrement. */
  private record SoldOut(String productId, StockRow after) {
  }

  private Future<Void> decrement(SqlConnection tx, String productId, int units, int attempt, List<SoldOut> soldOut) {
    return readStock(tx, productId).compose(row -> {
      if (row == null || row.quantity() < units) {
        return Future.failedFuture(new ApiException(ErrorCode.SOLD_OUT, "not enough stock for '" + productId + "'",
            new JsonObject().put("productId", productId).put("available", row == null ? 0 : row.quantity())));
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
        return decrement(tx, productId, units, attempt + 1, soldOut);
      });
    });
  }

  /**
   * The products that sold out change their views: bump their versions (by product id), then their events', and tell
   * the projector through the outbox — after every stock row, in the lock order.
   */
  private Future<Void> announceSoldOut(SqlConnection tx, List<SoldOut> soldOut) {
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
    return pool.preparedQuery(InventorySql.STOCK_WITH_ACTIVE_HOLDS)
        .execute(Tuple.of(productIds.toArray(String[]::new), now.atOffset(ZoneOffset.UTC))).map(rs -> {
          List<Truth> out = new ArrayList<>(rs.size());
          rs.forEach(r -> out.add(new Truth(r.getString(0), r.getLong(1), r.getLong(2))));
          return out;
        });
  }

  /** The ids among {@code productIds} that name no product (no stock row). */
  public Future<List<String>> unknownProducts(List<String> productIds) {
    return pool.preparedQuery(InventorySql.KNOWN_PRODUCTS).execute(Tuple.of((Object) productIds.toArray(String[]::new)))
        .map(rs -> {
          java.util.Set<String> known = new java.util.HashSet<>();
          rs.forEach(r -> known.add(r.getString(0)));
          return productIds.stream().filter(id -> !known.contains(id)).toList();
        });
  }

  public Future<List<String>> allProductIds() {
    return pool.query(InventorySql.ALL_PRODUCT_IDS).execute().map(rs -> {
      List<String> out = new ArrayList<>(rs.size());
      rs.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }

  public Future<RowSet<Row>> activeHolds(Instant now) {
    return scan(InventorySql.ACTIVE_HOLDS, Tuple.of(now.atOffset(ZoneOffset.UTC)));
  }

  public Future<RowSet<Row>> limitCounters(Instant now) {
    return scan(InventorySql.LIMIT_COUNTERS, Tuple.of(now.atOffset(ZoneOffset.UTC)));
  }

  /** A rebuild's whole-table read: exempt from the pool's short statement timeout, which is there for confirms. */
  private Future<RowSet<Row>> scan(String sql, Tuple args) {
    return pool.withTransaction(tx -> tx.query(InventorySql.LONG_STATEMENT_TIMEOUT).execute()
        .compose(x -> tx.preparedQuery(sql).execute(args)));
  }

  private static Checkout toCheckout(RowSet<Row> rows) {
    if (rows.size() == 0) {
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
