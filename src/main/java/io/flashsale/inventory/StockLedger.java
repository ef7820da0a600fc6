package io.flashsale.inventory;

import io.flashsale.catalog.CatalogStore;
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

  public StockLedger(Pool pool, Topics topics, int decrementAttempts) {
    this.pool = pool;
    this.topics = topics;
    this.decrementAttempts = decrementAttempts;
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

  /** Moves a HELD checkout to {@code status}; answers whether it was HELD. */
  public Future<Boolean> leaveHeld(String checkoutId, String status) {
    return pool.preparedQuery(InventorySql.SET_STATUS_FROM_HELD).execute(Tuple.of(checkoutId, status))
        .map(rs -> rs.rowCount() == 1);
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
   * Takes every item's units from PostgreSQL and marks the checkout CONFIRMED, in one transaction. Each decrement is
   * re-read and retried on a version conflict, at most {@code decrementAttempts} times, then 503.
   */
  public Future<Void> confirm(Checkout c) {
    return pool.withTransaction(tx -> {
      Future<Void> chain = Future.succeededFuture();
      for (PricedItem item : c.items()) {
        chain = chain.compose(x -> decrement(tx, item.productId(), item.quantity(), 1));
      }
      return chain.compose(x -> tx.preparedQuery(InventorySql.SET_STATUS_FROM_HELD)
          .execute(Tuple.of(c.checkoutId(), Checkout.CONFIRMED))).compose(rs -> rs.rowCount() == 1
          ? Future.<Void>succeededFuture()
          : Future.failedFuture(new ApiException(ErrorCode.HOLD_EXPIRED,
              "checkout '" + c.checkoutId() + "' is no longer held")));
    }).recover(err -> err instanceof PgException pg && "40P01".equals(pg.getSqlState())
        ? Future.failedFuture(ApiException.unavailable("stock is contended; retry shortly"))
        : Future.failedFuture(err));
  }

  private Future<Void> decrement(SqlConnection tx, String productId, int units, int attempt) {
    return readStock(tx, productId).compose(row -> {
      if (row == null || row.quantity() < units) {
        return Future.failedFuture(new ApiException(ErrorCode.SOLD_OUT, "not enough stock for '" + productId + "'",
            new JsonObject().put("productId", productId)));
      }
      return tryDecrement(tx, productId, units, row.version()).compose(after -> {
        if (after != null) {
          return after.quantity() == 0 ? announceSoldOut(tx, productId, after) : Future.<Void>succeededFuture();
        }
        if (attempt >= decrementAttempts) {
          return Future.failedFuture(ApiException.unavailable("stock of '" + productId
              + "' changed under us " + attempt + " times; retry shortly"));
        }
        return decrement(tx, productId, units, attempt + 1);
      });
    });
  }

  /** The product's views change (sold out): bump their versions and tell the projector through the outbox. */
  private Future<Void> announceSoldOut(SqlConnection tx, String productId, StockRow after) {
    return tx.preparedQuery(InventorySql.BUMP_PRODUCT_VERSION).execute(Tuple.of(productId))
        .compose(rs -> tx.preparedQuery(InventorySql.BUMP_EVENTS_OF_PRODUCT).execute(Tuple.of(productId))
            .compose(x -> OutboxStore.append(tx, List.of(OutboxEvent.of(topics.products(), "product", productId,
                CatalogStore.STOCK_SET, rs.iterator().next().getLong(0), new JsonObject().put("productId", productId)
                    .put("quantity", after.quantity()).put("version", after.version()))))));
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

  public Future<List<String>> allProductIds() {
    return pool.query(InventorySql.ALL_PRODUCT_IDS).execute().map(rs -> {
      List<String> out = new ArrayList<>(rs.size());
      rs.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }

  public Future<RowSet<Row>> activeHolds(Instant now) {
    return pool.preparedQuery(InventorySql.ACTIVE_HOLDS).execute(Tuple.of(now.atOffset(ZoneOffset.UTC)));
  }

  public Future<RowSet<Row>> limitCounters(Instant now) {
    return pool.preparedQuery(InventorySql.LIMIT_COUNTERS).execute(Tuple.of(now.atOffset(ZoneOffset.UTC)));
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
