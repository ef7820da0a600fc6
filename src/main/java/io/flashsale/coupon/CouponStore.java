package io.flashsale.coupon;

import io.flashsale.http.ApiException;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Coupons and grants in PostgreSQL (the truth the indexer follows). Every change that alters who may use what
 * writes its outbox event in the same transaction: CouponUpserted, CouponGranted, CouponRedeemed, CouponRestored.
 */
public final class CouponStore {

  public static final String UPSERTED = "CouponUpserted";
  public static final String GRANTED = "CouponGranted";
  public static final String REDEEMED = "CouponRedeemed";
  public static final String RESTORED = "CouponRestored";

  private final Pool pool;
  private final Topics topics;

  public CouponStore(Pool pool, Topics topics) {
    this.pool = pool;
    this.topics = topics;
  }

  public Future<Coupon> upsert(Coupon c) {
    Coupon.Target t = c.target();
    Tuple args = Tuple.tuple().addValue(c.couponId()).addValue(c.name()).addValue(c.type().name()).addValue(c.value())
        .addValue(c.maxDiscount()).addValue(c.minPrice()).addValue(c.validFrom().atOffset(ZoneOffset.UTC))
        .addValue(c.validTo().atOffset(ZoneOffset.UTC)).addValue(t.grades().toArray(String[]::new))
        .addValue(t.brands().toArray(String[]::new)).addValue(t.categories().toArray(String[]::new))
        .addValue(t.productIds().toArray(String[]::new));
    return pool.withTransaction(tx -> tx.preparedQuery(CouponSql.UPSERT).execute(args)
        .compose(rs -> {
          Coupon saved = new Coupon(c.couponId(), c.name(), c.type(), c.value(), c.maxDiscount(), c.minPrice(),
              c.validFrom(), c.validTo(), c.target(), rs.iterator().next().getLong(0));
          return OutboxStore.append(tx, List.of(OutboxEvent.of(topics.coupons(), "coupon", c.couponId(), UPSERTED,
              saved.version(), saved.toJson()))).map(saved);
        }));
  }

  /** Grants the coupon to users who do not hold it yet; answers how many new grants were made. */
  public Future<Integer> grant(String couponId, List<String> userIds) {
    return pool.withTransaction(tx -> tx.preparedQuery(CouponSql.EXISTS).execute(Tuple.of(couponId)).compose(rs -> {
      if (rs.size() == 0) {
        return Future.failedFuture(ApiException.notFound("coupon", couponId));
      }
      return tx.preparedQuery(CouponSql.GRANT).execute(Tuple.of(couponId, (Object) userIds.toArray(String[]::new)))
          .compose(ins -> OutboxStore.append(tx, List.of(OutboxEvent.of(topics.coupons(), "coupon", couponId, GRANTED,
              0, new JsonObject().put("couponId", couponId).put("userIds", new JsonArray(userIds)))))
              .map(ins.rowCount()));
    }));
  }

  /** AVAILABLE → RESERVED for a checkout; answers false when the user holds no unused grant. */
  public Future<Boolean> reserve(String couponId, String userId, String checkoutId) {
    return pool.preparedQuery(CouponSql.RESERVE).execute(Tuple.of(couponId, userId, checkoutId))
        .map(rs -> rs.rowCount() == 1);
  }

  /**
   * RESERVED → USED by the order, inside the transaction that takes the checkout's stock; answers how many grants
   * moved (the caller insists on exactly one when the checkout names a coupon).
   */
  public Future<Integer> redeem(SqlClient tx, String checkoutId, String orderId) {
    return tx.preparedQuery(CouponSql.REDEEM).execute(Tuple.of(checkoutId, orderId))
        .compose(rs -> announce(tx, rs, REDEEMED).map(rs.rowCount()));
  }

  /** A checkout that never held stock (its hold was refused) gives its reserved coupon back. */
  public Future<Void> restoreReserved(String checkoutId) {
    return pool.withTransaction(tx -> restoreReserved(tx, checkoutId));
  }

  /**
   * A released or expired hold gives its reserved coupon back, inside the transaction that moved the checkout out of
   * HELD — so a coupon comes back exactly when the hold provably did not become an order.
   */
  public Future<Void> restoreReserved(SqlClient tx, String checkoutId) {
    return tx.preparedQuery(CouponSql.RESTORE_RESERVED).execute(Tuple.of(checkoutId))
        .compose(rs -> announce(tx, rs, RESTORED));
  }

  /** A cancelled order gives its coupon back, inside the cancelling transaction. */
  public Future<Void> restoreUsed(SqlClient tx, String orderId) {
    return tx.preparedQuery(CouponSql.RESTORE_USED).execute(Tuple.of(orderId))
        .compose(rs -> announce(tx, rs, RESTORED));
  }

  private Future<Void> announce(SqlClient tx, RowSet<Row> rows, String type) {
    List<OutboxEvent> events = new ArrayList<>();
    rows.forEach(r -> events.add(OutboxEvent.of(topics.coupons(), "coupon", r.getString(0), type, 0,
        new JsonObject().put("couponId", r.getString(0)).put("userIds", new JsonArray().add(r.getString(1))))));
    return OutboxStore.append(tx, events);
  }

  public Future<Coupon> get(String couponId) {
    return pool.preparedQuery(CouponSql.COUPON).execute(Tuple.of(couponId))
        .map(rs -> rs.size() == 0 ? null : toCoupon(rs.iterator().next()));
  }

  public Future<List<Coupon>> all() {
    return pool.query(CouponSql.ALL_COUPONS).execute().map(rs -> {
      List<Coupon> out = new ArrayList<>(rs.size());
      rs.forEach(r -> out.add(toCoupon(r)));
      return out;
    });
  }

  /** The brute-force answer the index replaces: applicable coupon ids by one SQL JOIN (the coupons bench's baseline). */
  public Future<List<String>> applicableByJoin(String userId, String productId) {
    return pool.preparedQuery(CouponSql.JOIN_LOOKUP).execute(Tuple.of(userId, productId)).map(rs -> {
      List<String> out = new ArrayList<>(rs.size());
      rs.forEach(r -> out.add(r.getString(0)));
      return out;
    });
  }

  public Pool pool() {
    return pool;
  }

  static Coupon toCoupon(Row r) {
    return new Coupon(r.getString("coupon_id"), r.getString("name"), Coupon.Type.valueOf(r.getString("type")),
        r.getLong("value"), r.getLong("max_discount"), r.getLong("min_price"),
        r.getOffsetDateTime("valid_from").toInstant(), r.getOffsetDateTime("valid_to").toInstant(),
        new Coupon.Target(List.of(r.getArrayOfStrings("target_grades")), List.of(r.getArrayOfStrings("target_brands")),
            List.of(r.getArrayOfStrings("target_categories")), List.of(r.getArrayOfStrings("target_product_ids"))),
        r.getLong("version"));
  }
}
