package io.flashsale.catalog;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The catalog write model: every change and its outbox event commit in one transaction, and every change bumps the
 * version of each view it affects (product views, event pages).
 */
public final class CatalogStore {

  public static final String PRODUCT_UPSERTED = "ProductUpserted";
  public static final String STOCK_SET = "StockSet";
  public static final String EVENT_UPSERTED = "EventUpserted";
  public static final String USER_UPDATED = "UserUpdated";

  private static final int DEADLOCK_RETRIES = 3;

  private final Pool pool;
  private final Topics topics;

  public CatalogStore(Pool pool, Topics topics) {
    this.pool = pool;
    this.topics = topics;
  }

  // Lock order (README, "Lock order"): stock rows, then products, then events — the order a confirm that sells a
  // product out and a cancel that restocks it take them in, so admin writes never wait on them in a cycle.

  public Future<Product> upsertProduct(Product p) {
    return inTransaction(tx -> tx.preparedQuery(CatalogSql.UPSERT_PRODUCT)
        .execute(Tuple.of(p.productId(), p.name(), p.brand(), p.category(), p.price(), p.imageUrl()))
        .map(rs -> toProduct(rs.iterator().next()))
        .compose(saved -> tx.preparedQuery(CatalogSql.ENSURE_STOCK_ROW).execute(Tuple.of(p.productId()))
            .compose(x -> lockEventsOf(tx, p.productId()))
            .compose(events -> bumpEvents(tx, events))
            .compose(x -> OutboxStore.append(tx, List.of(OutboxEvent.of(topics.products(), "product",
                saved.productId(), PRODUCT_UPSERTED, saved.version(), saved.toJson()))))
            .map(saved)));
  }

  /** Sets the sellable stock; with {@code ifVersion} only while the stock is still at that version (else 412). */
  public Future<StockLevel> setStock(String productId, long quantity, Long ifVersion) {
    return changeStock(productId, tx -> tx.preparedQuery(CatalogSql.SET_STOCK)
        .execute(Tuple.of(productId, quantity, ifVersion)).compose(rs -> rs.rowCount() == 1
            ? Future.succeededFuture(toStock(rs.iterator().next()))
            : stockOf(tx, productId).compose(now -> Future.failedFuture(new ApiException(ErrorCode.PRECONDITION_FAILED,
                "the stock of '" + productId + "' is at version " + now.version() + ", not " + ifVersion,
                now.toJson())))));
  }

  /** Adds {@code delta} units (negative takes them away) atomically; never below zero (409 INSUFFICIENT_STOCK). */
  public Future<StockLevel> adjustStock(String productId, long delta) {
    return changeStock(productId, tx -> tx.preparedQuery(CatalogSql.ADJUST_STOCK).execute(Tuple.of(productId, delta))
        .compose(rs -> rs.rowCount() == 1 ? Future.succeededFuture(toStock(rs.iterator().next()))
            : stockOf(tx, productId).compose(now -> Future.failedFuture(new ApiException(ErrorCode.INSUFFICIENT_STOCK,
                "'" + productId + "' has " + now.quantity() + " units; cannot take " + (-delta), now.toJson())))));
  }

  /** A stock change: the stock row, then the product's version, then its events' — with the StockSet event. */
  private Future<StockLevel> changeStock(String productId, Function<SqlConnection, Future<StockLevel>> change) {
    return inTransaction(tx -> tx.preparedQuery(CatalogSql.PRODUCT_PRICES).execute(Tuple.of((Object) new String[] {productId}))
        .compose(exists -> exists.size() == 0 ? Future.failedFuture(ApiException.notFound("product", productId))
            : change.apply(tx))
        .compose(stock -> tx.preparedQuery(CatalogSql.BUMP_PRODUCT).execute(Tuple.of(productId))
            .compose(bumped -> {
              long productVersion = bumped.iterator().next().getLong(0);
              return lockEventsOf(tx, productId).compose(events -> bumpEvents(tx, events))
                  .compose(x -> OutboxStore.append(tx, List.of(OutboxEvent.of(topics.products(), "product",
                      productId, STOCK_SET, productVersion, stock.toJson()))))
                  .map(stock);
            })));
  }

  private Future<StockLevel> stockOf(SqlConnection tx, String productId) {
    return tx.preparedQuery(CatalogSql.STOCK_OF).execute(Tuple.of(productId)).compose(rs -> rs.size() == 0
        ? Future.failedFuture(ApiException.notFound("product", productId))
        : Future.succeededFuture(toStock(rs.iterator().next())));
  }

  private static StockLevel toStock(Row r) {
    return new StockLevel(r.getString(0), r.getLong(1), r.getLong(2));
  }

  public Future<SaleEvent> upsertEvent(SaleEvent e) {
    List<String> productIds = e.items().stream().map(SaleEvent.Item::productId).toList();
    String[] ids = productIds.toArray(String[]::new);
    return inTransaction(tx -> tx.preparedQuery(CatalogSql.PRODUCT_PRICES).execute(Tuple.of((Object) ids))
        .compose(prices -> {
          Map<String, Long> priceOf = new HashMap<>();
          prices.forEach(r -> priceOf.put(r.getString(0), r.getLong(1)));
          List<String> missing = productIds.stream().filter(id -> !priceOf.containsKey(id)).toList();
          if (!missing.isEmpty()) {
            return Future.failedFuture(new ApiException(ErrorCode.NOT_FOUND,
                "unknown product(s) in items: " + String.join(", ", missing.subList(0, Math.min(10, missing.size()))),
                new JsonObject().put("productId", missing.get(0)).put("productIds", new JsonArray(missing))));
          }
          for (SaleEvent.Item item : e.items()) {
            if (item.salePrice() > priceOf.get(item.productId())) {
              return Future.failedFuture(ApiException.badRequest("salePrice of '" + item.productId()
                  + "' is above its list price " + priceOf.get(item.productId()), "items.salePrice"));
            }
          }
          return tx.preparedQuery(CatalogSql.OVERLAPPING_EVENT).execute(Tuple.of(ids, e.eventId(),
              e.startsAt().atOffset(ZoneOffset.UTC), e.endsAt().atOffset(ZoneOffset.UTC)));
        })
        // Lock order: the products (new and old items, by id) before the event's row.
        .compose(overlap -> tx.preparedQuery(CatalogSql.EVENT_ITEM_IDS).execute(Tuple.of(e.eventId())).compose(old -> {
          TreeSet<String> all = new TreeSet<>(productIds);
          old.forEach(r -> all.add(r.getString(0)));
          return tx.preparedQuery(CatalogSql.LOCK_PRODUCTS).execute(Tuple.of((Object) all.toArray(String[]::new)));
        }).map(overlap))
        .compose(overlap -> {
          if (overlap.size() > 0) {
            Row r = overlap.iterator().next();
            return Future.failedFuture(new ApiException(ErrorCode.BAD_REQUEST, "product '" + r.getString(0)
                + "' is already sold in event '" + r.getString(1) + "' during an overlapping window",
                new JsonObject().put("productId", r.getString(0)).put("eventId", r.getString(1))));
          }
          return tx.preparedQuery(CatalogSql.UPSERT_EVENT).execute(Tuple.of(e.eventId(), e.title(),
              e.startsAt().atOffset(ZoneOffset.UTC), e.endsAt().atOffset(ZoneOffset.UTC),
              e.queue() == null ? null : e.queue().toJson()));
        })
        .compose(versionRows -> {
          long version = versionRows.iterator().next().getLong(0);
          SaleEvent.Queue storedQueue = SaleEvent.Queue.fromJson(versionRows.iterator().next().getJsonObject(1));
          // Read again now that we hold the event's row: the first read only chose which products to lock, and a
          // concurrent upsert of this event may have changed its items in between.
          return tx.preparedQuery(CatalogSql.EVENT_ITEM_IDS).execute(Tuple.of(e.eventId())).compose(old -> {
            TreeSet<String> affected = new TreeSet<>(productIds);
            old.forEach(r -> affected.add(r.getString(0)));
            return tx.preparedQuery(CatalogSql.DELETE_EVENT_ITEMS).execute(Tuple.of(e.eventId()))
                .compose(x -> insertItems(tx, e))
                .compose(x -> affected.isEmpty() ? Future.succeededFuture()
                    : tx.preparedQuery(CatalogSql.BUMP_PRODUCTS).execute(Tuple.of((Object) affected.toArray(String[]::new))))
                .compose(x -> {
                  SaleEvent saved = e.withVersion(version, storedQueue);
                  JsonObject payload = saved.toJson().put("affectedProductIds", new JsonArray(new ArrayList<>(affected)));
                  return OutboxStore.append(tx, List.of(OutboxEvent.of(topics.events(), "event", e.eventId(),
                      EVENT_UPSERTED, version, payload))).map(saved);
                });
          });
        }));
  }

  public Future<UserProfile> upsertUser(String userId, String grade) {
    return inTransaction(tx -> tx.preparedQuery(CatalogSql.UPSERT_USER).execute(Tuple.of(userId, grade))
        .compose(rs -> {
          UserProfile user = new UserProfile(userId, grade, rs.iterator().next().getLong(0));
          return OutboxStore.append(tx, List.of(OutboxEvent.of(topics.users(), "user", userId, USER_UPDATED,
              user.version(), user.toJson()))).map(user);
        }));
  }

  /** Many users in one transaction (seeding); each gets its UserUpdated event. */
  public Future<Integer> upsertUsers(List<UserProfile> users) {
    if (users.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return inTransaction(tx -> {
      List<Tuple> rows = users.stream().map(u -> Tuple.of(u.userId(), u.grade())).toList();
      return tx.preparedQuery(CatalogSql.UPSERT_USER).executeBatch(rows).compose(rs -> {
        List<OutboxEvent> events = new ArrayList<>(users.size());
        var batch = rs;
        for (UserProfile u : users) {
          long version = batch.iterator().next().getLong(0);
          events.add(OutboxEvent.of(topics.users(), "user", u.userId(), USER_UPDATED, version,
              new UserProfile(u.userId(), u.grade(), version).toJson()));
          batch = batch.next();
        }
        return OutboxStore.append(tx, events).map(users.size());
      });
    });
  }

  private Future<Void> insertItems(SqlConnection tx, SaleEvent e) {
    if (e.items().isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>(e.items().size());
    for (int i = 0; i < e.items().size(); i++) {
      SaleEvent.Item it = e.items().get(i);
      rows.add(Tuple.of(e.eventId(), it.productId(), i, it.salePrice(), it.limitPerUser()));
    }
    return tx.preparedQuery(CatalogSql.INSERT_EVENT_ITEM).executeBatch(rows).mapEmpty();
  }

  private Future<List<String>> lockEventsOf(SqlConnection tx, String productId) {
    return tx.preparedQuery(CatalogSql.LOCK_EVENTS_OF_PRODUCT).execute(Tuple.of(productId)).map(rs -> {
      List<String> ids = new ArrayList<>();
      rs.forEach(r -> ids.add(r.getString(0)));
      return ids;
    });
  }

  private Future<Void> bumpEvents(SqlConnection tx, List<String> eventIds) {
    if (eventIds.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(CatalogSql.BUMP_EVENTS).execute(Tuple.of((Object) eventIds.toArray(String[]::new)))
        .mapEmpty();
  }

  private <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
    return inTransaction(work, DEADLOCK_RETRIES);
  }

  /** Two admins editing a product and its event at once may deadlock; PostgreSQL aborts one and we retry it. */
  private <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work, int retriesLeft) {
    return pool.withTransaction(work).recover(err -> {
      if (retriesLeft > 0 && err instanceof PgException pg
          && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()))) {
        return inTransaction(work, retriesLeft - 1);
      }
      return Future.failedFuture(err);
    });
  }

  private static Product toProduct(Row r) {
    return new Product(r.getString("product_id"), r.getString("name"), r.getString("brand"), r.getString("category"),
        r.getLong("price"), r.getString("image_url"), r.getLong("version"));
  }
}
