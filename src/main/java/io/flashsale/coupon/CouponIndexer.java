package io.flashsale.coupon;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.infra.Concurrently;
import io.flashsale.outbox.OutboxEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Keeps the coupon sets following PostgreSQL. Each event only says what changed; the effect is recomputed from the
 * current rows (a coupon's definition, a user's grant, a user's grade), so a duplicate or late delivery rewrites the
 * same state — idempotent and order-proof. Product changes need nothing here: the rule checks a coupon's product side
 * against the product's current facts at lookup time.
 */
public final class CouponIndexer {

  private final Pool pool;
  private final CouponStore store;
  private final CouponIndex index;

  public CouponIndexer(Pool pool, CouponStore store, CouponIndex index) {
    this.pool = pool;
    this.store = store;
    this.index = index;
  }

  public Future<Void> apply(List<OutboxEvent> events) {
    Future<Void> chain = Future.succeededFuture();
    for (OutboxEvent e : events) {
      chain = chain.compose(x -> apply(e));
    }
    return chain;
  }

  private Future<Void> apply(OutboxEvent e) {
    return switch (e.type()) {
      case CouponStore.UPSERTED -> reindexCoupon(e.aggregateId());
      case CouponStore.GRANTED, CouponStore.REDEEMED, CouponStore.RESTORED ->
          refreshHolders(e.aggregateId(), strings(e.payload().getJsonArray("userIds", new JsonArray())));
      // From PostgreSQL's current row, not the event's payload: a late or replayed older event must not win.
      case CatalogStore.USER_UPDATED -> pool.preparedQuery(CouponSql.USER_GRADE).execute(Tuple.of(e.aggregateId()))
          .compose(rs -> rs.size() == 0 ? Future.<Void>succeededFuture()
              : index.setGrades(Map.of(e.aggregateId(), rs.iterator().next().getString(0))));
      default -> Future.succeededFuture();
    };
  }

  public Future<Void> reindexCoupon(String couponId) {
    return store.get(couponId).compose(c -> c == null ? Future.succeededFuture() : index.indexCoupon(c));
  }

  private Future<Void> refreshHolders(String couponId, List<String> userIds) {
    return pool.preparedQuery(CouponSql.GRANT_STATUS).execute(Tuple.of(couponId, (Object) userIds.toArray(String[]::new)))
        .compose(rs -> {
          Map<String, Boolean> available = new LinkedHashMap<>();
          userIds.forEach(u -> available.put(u, false));
          rs.forEach(r -> available.put(r.getString("user_id"), "AVAILABLE".equals(r.getString("status"))));
          return index.setHolders(couponId, available);
        });
  }

  /**
   * Brings every set in line with PostgreSQL — after Redis lost them, or on an operator's reindex — by adding and
   * removing members, never by emptying a live set; {@code progress} gets each coupon done.
   */
  public Future<long[]> reindexAll(LongConsumer progress) {
    long[] counts = new long[3];
    return store.all().compose(coupons -> Concurrently.forEach(coupons, 8, c -> reindexCoupon(c.couponId())
        // Redis's members first, PostgreSQL's holders second: a grant indexed in between is in PostgreSQL's answer,
        // so it is never taken for stale and removed.
        .compose(x -> index.holders(c.couponId()))
        .compose(listed -> pool.preparedQuery(CouponSql.HOLDERS).execute(Tuple.of(c.couponId())).compose(rs -> {
          // A diff, never a drop: holders PostgreSQL has are added, holders it no longer has are removed, and the
          // live sets stay right for every lookup while the rebuild runs.
          Map<String, Boolean> holders = new LinkedHashMap<>();
          listed.forEach(u -> holders.put(u, false));
          rs.forEach(r -> holders.put(r.getString(0), true));
          counts[1] += rs.size();
          return index.setHolders(c.couponId(), holders);
        })).onSuccess(x -> {
          counts[0]++;
          progress.accept(1);
        })))
        .compose(x -> pool.query(CouponSql.USER_GRADES).execute())
        .compose(rs -> {
          List<Map<String, String>> batches = new ArrayList<>();
          Map<String, String> batch = new HashMap<>();
          for (Row r : rs) {
            batch.put(r.getString(0), r.getString(1));
            if (batch.size() == 1000) {
              batches.add(batch);
              batch = new HashMap<>();
            }
          }
          batches.add(batch);
          counts[2] = rs.size();
          return Concurrently.forEach(batches, 4, index::setGrades);
        }).map(counts);
  }

  private static List<String> strings(JsonArray a) {
    List<String> out = new ArrayList<>(a.size());
    a.forEach(v -> out.add(String.valueOf(v)));
    return out;
  }
}
