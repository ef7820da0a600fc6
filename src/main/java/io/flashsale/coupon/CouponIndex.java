package io.flashsale.coupon;

import io.flashsale.http.ApiException;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.RedisLease;
import io.flashsale.infra.TaggedBatch;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The Redis side of coupons: the pre-computed sets and definitions, written by the indexer, read by lookups. */
public final class CouponIndex {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CouponIndex.class);

  private final Redis redis;
  private final RedisKeys keys;

  public CouponIndex(Redis redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  // ------------------------------------------------------------------ writes (indexer)

  /** Stores the definition and tells the near caches. */
  public Future<Void> indexCoupon(Coupon c) {
    String defs = keys.couponDefs();
    return new TaggedBatch(keys)
        .add(defs, Request.cmd(Command.HSET).arg(defs).arg(c.couponId()).arg(c.toJson().encode()))
        .add(defs, Request.cmd(Command.PUBLISH).arg(keys.couponChannel()).arg(c.couponId()))
        .send(redis).mapEmpty();
  }

  /** Sets whether each user holds an unused grant of the coupon. */
  public Future<Void> setHolders(String couponId, Map<String, Boolean> available) {
    TaggedBatch batch = new TaggedBatch(keys);
    String holders = keys.holdersOfCoupon(couponId);
    available.forEach((user, yes) -> {
      String mine = keys.couponsOfUser(user);
      batch.add(mine, Request.cmd(yes ? Command.SADD : Command.SREM).arg(mine).arg(couponId));
      batch.add(holders, Request.cmd(yes ? Command.SADD : Command.SREM).arg(holders).arg(user));
    });
    return batch.send(redis).mapEmpty();
  }

  /** The users the coupon's holder set lists now. */
  public Future<Set<String>> holders(String couponId) {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(keys.holdersOfCoupon(couponId))).map(CouponIndex::set);
  }

  /** One HSET per tag of the users' grades. */
  public Future<Void> setGrades(Map<String, String> grades) {
    Map<Integer, Request> byShard = new HashMap<>();
    grades.forEach((u, g) -> byShard.computeIfAbsent(keys.couponShard(u),
        shard -> Request.cmd(Command.HSET).arg(keys.userGrades(shard))).arg(u).arg(g));
    TaggedBatch batch = new TaggedBatch(keys);
    byShard.forEach((shard, req) -> batch.add(keys.userGrades(shard), req));
    return batch.send(redis).mapEmpty();
  }

  // ------------------------------------------------------------------ readiness (self-healing after a Redis loss)

  /** Whether every tag (and the definitions) has its ready mark (one without lost its sets, or was never built). */
  public Future<Boolean> isReady() {
    TaggedBatch batch = new TaggedBatch(keys);
    readyMarks().forEach(mark -> batch.add(mark, Request.cmd(Command.EXISTS).arg(mark)));
    return batch.send(redis).map(answers -> answers.stream().allMatch(r -> r.toInteger() == 1));
  }

  public Future<Void> markReady() {
    String now = Long.toString(System.currentTimeMillis());
    TaggedBatch batch = new TaggedBatch(keys);
    readyMarks().forEach(mark -> batch.add(mark, Request.cmd(Command.SET).arg(mark).arg(now)));
    return batch.send(redis).mapEmpty();
  }

  /** Every tag's ready mark, and the definitions'. */
  private List<String> readyMarks() {
    List<String> marks = new ArrayList<>(RedisKeys.COUPON_USER_SHARDS + 1);
    for (int shard = 0; shard < RedisKeys.COUPON_USER_SHARDS; shard++) {
      marks.add(keys.couponIndexReady(shard));
    }
    marks.add(keys.couponDefsReady());
    return marks;
  }

  /** The rebuild lock for {@code ttlMs}: our token, or {@code null} when another process rebuilds. */
  public Future<String> tryRebuildLock(long ttlMs) {
    return RedisLease.tryTake(redis, keys.couponRebuildLock(), ttlMs);
  }

  public Future<Void> dropRebuildLock(String token) {
    return RedisLease.release(redis, keys.couponRebuildLock(), token);
  }

  // ------------------------------------------------------------------ reads (lookups)

  /**
   * What a lookup needs, from the shopper's slot in one round trip: the coupons the user holds an unused grant of,
   * and the user's grade. The rule checks the product side from each definition, so no product-side set is read.
   */
  public record Candidates(Set<String> held, String grade) {
  }

  public Future<Candidates> candidates(String userId) {
    int shard = keys.couponShard(userId);
    return redis.batch(List.of(
        Request.cmd(Command.SMEMBERS).arg(keys.couponsOfUser(userId)),
        Request.cmd(Command.HGET).arg(keys.userGrades(shard)).arg(userId),
        Request.cmd(Command.EXISTS).arg(keys.couponIndexReady(shard)))).map(rs -> {
          if (rs.get(2).toInteger() == 0) {
            // Redis lost this slot's sets and they are being rebuilt: an empty answer would be a wrong "no coupons".
            throw ApiException.unavailable("the coupon index is being rebuilt; retry shortly");
          }
          return new Candidates(set(rs.get(0)), rs.get(1) == null ? null : rs.get(1).toString());
        });
  }

  /**
   * Definitions by id. One missing is a coupon whose upsert the indexer has not applied yet, and is left out; but when
   * the definitions' own ready mark is gone too, Redis lost them, and leaving them out would be a wrong "no coupons".
   */
  public Future<Map<String, Coupon>> definitions(Collection<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<String> list = new ArrayList<>(ids);
    Request req = Request.cmd(Command.HMGET).arg(keys.couponDefs());
    list.forEach(req::arg);
    return redis.batch(List.of(req, Request.cmd(Command.EXISTS).arg(keys.couponDefsReady()))).map(rs -> {
      Response r = rs.get(0);
      Map<String, Coupon> out = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        if (r.get(i) != null) {
          out.put(list.get(i), Coupon.fromJson(new JsonObject(r.get(i).toString())));
        }
      }
      if (out.size() < list.size() && rs.get(1).toInteger() == 0) {
        throw ApiException.unavailable("the coupon index is being rebuilt; retry shortly");
      }
      return out;
    });
  }

  /**
   * Takes the coupon out of the user's set for a checkout; false when the user does not hold it (any more). The
   * user's SREM is the atomic step (of parallel checkouts with one grant, exactly one removes it). The holder set is
   * in the coupon's slot, so it follows after, best effort: only the rebuild's diff reads it, and the diff goes by
   * PostgreSQL.
   */
  public Future<Boolean> take(String userId, String couponId) {
    return redis.send(Request.cmd(Command.SREM).arg(keys.couponsOfUser(userId)).arg(couponId)).transform(ar -> {
      if (ar.failed()) {
        // No answer: the SREM may have run. The grant goes back (a no-op if it did not), so a lost answer never hides
        // a shopper's coupon until the next reindex; the checkout fails and its retry takes it again.
        return putBack(userId, couponId).transform(x -> Future.<Boolean>failedFuture(ar.cause()));
      }
      boolean took = ar.result().toInteger() == 1;
      if (took) {
        redis.send(Request.cmd(Command.SREM).arg(keys.holdersOfCoupon(couponId)).arg(userId)).onFailure(err ->
            LOG.debug("holder set of {} not updated after a take (the rebuild's diff corrects it): {}", couponId,
                err.toString()));
      }
      return Future.succeededFuture(took);
    });
  }

  /** Puts a taken coupon back (its reservation failed in PostgreSQL). */
  public Future<Void> putBack(String userId, String couponId) {
    return setHolders(couponId, Map.of(userId, true));
  }

  private static Set<String> set(Response r) {
    Set<String> out = new HashSet<>();
    if (r != null) {
      r.forEach(x -> out.add(x.toString()));
    }
    return out;
  }
}
