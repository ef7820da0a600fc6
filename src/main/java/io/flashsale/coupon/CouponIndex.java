package io.flashsale.coupon;

import io.flashsale.http.ApiException;
import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.RedisLease;
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

  private static final LuaScript TAKE = LuaScript.load("coupon_take.lua");

  private final Redis redis;
  private final RedisKeys keys;

  public CouponIndex(Redis redis, RedisKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  // ------------------------------------------------------------------ writes (indexer)

  /** Stores the definition and re-points the product sets; {@code products} empty with anyProduct = every product. */
  public Future<Void> indexCoupon(Coupon c, Collection<String> products) {
    String id = c.couponId();
    return members(keys.productsOfCoupon(id)).compose(old -> {
      Set<String> now = new HashSet<>(products);
      List<Request> batch = new ArrayList<>();
      batch.add(Request.cmd(Command.HSET).arg(keys.couponDefs()).arg(id).arg(c.toJson().encode()));
      batch.add(Request.cmd(c.target().anyProduct() ? Command.SADD : Command.SREM).arg(keys.couponsForAnyProduct())
          .arg(id));
      for (String p : old) {
        if (!now.contains(p)) {
          batch.add(Request.cmd(Command.SREM).arg(keys.couponsOfProduct(p)).arg(id));
        }
      }
      for (String p : now) {
        if (!old.contains(p)) {
          batch.add(Request.cmd(Command.SADD).arg(keys.couponsOfProduct(p)).arg(id));
        }
      }
      batch.add(Request.cmd(Command.DEL).arg(keys.productsOfCoupon(id)));
      if (!now.isEmpty()) {
        Request set = Request.cmd(Command.SADD).arg(keys.productsOfCoupon(id));
        now.forEach(set::arg);
        batch.add(set);
      }
      batch.add(Request.cmd(Command.PUBLISH).arg(keys.couponChannel()).arg(id));
      return send(batch);
    });
  }

  /** Sets whether each user holds an unused grant of the coupon. */
  public Future<Void> setHolders(String couponId, Map<String, Boolean> available) {
    List<Request> batch = new ArrayList<>();
    available.forEach((user, yes) -> {
      batch.add(Request.cmd(yes ? Command.SADD : Command.SREM).arg(keys.couponsOfUser(user)).arg(couponId));
      batch.add(Request.cmd(yes ? Command.SADD : Command.SREM).arg(keys.holdersOfCoupon(couponId)).arg(user));
    });
    return send(batch);
  }

  /** The users the coupon's holder set lists now. */
  public Future<Set<String>> holders(String couponId) {
    return members(keys.holdersOfCoupon(couponId));
  }

  /** Puts the coupon into or out of one product's set (after the product's brand, category or id changed). */
  public Future<Void> setProductMatch(String productId, Map<String, Boolean> matches) {
    List<Request> batch = new ArrayList<>();
    matches.forEach((couponId, yes) -> {
      batch.add(Request.cmd(yes ? Command.SADD : Command.SREM).arg(keys.couponsOfProduct(productId)).arg(couponId));
      batch.add(Request.cmd(yes ? Command.SADD : Command.SREM).arg(keys.productsOfCoupon(couponId)).arg(productId));
    });
    return send(batch);
  }

  public Future<Void> setGrades(Map<String, String> grades) {
    if (grades.isEmpty()) {
      return Future.succeededFuture();
    }
    Request req = Request.cmd(Command.HSET).arg(keys.userGrades());
    grades.forEach((u, g) -> req.arg(u).arg(g));
    return redis.send(req).mapEmpty();
  }

  // ------------------------------------------------------------------ readiness (self-healing after a Redis loss)

  public Future<Boolean> isReady() {
    return redis.send(Request.cmd(Command.EXISTS).arg(keys.couponIndexReady())).map(r -> r.toInteger() == 1);
  }

  public Future<Void> markReady() {
    return redis.send(Request.cmd(Command.SET).arg(keys.couponIndexReady()).arg(System.currentTimeMillis())).mapEmpty();
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
   * What a lookup needs, in one round trip: the coupons the user holds that match the product by its product-side
   * target (its own set, or the any-product set), and the user's grade.
   */
  public record Candidates(Set<String> heldAndMatching, String grade) {
  }

  public Future<Candidates> candidates(String userId, String productId) {
    // Intersect in Redis: a user holds a few coupons, while the any-product set can hold hundreds.
    return redis.batch(List.of(
        Request.cmd(Command.SINTER).arg(keys.couponsOfUser(userId)).arg(keys.couponsOfProduct(productId)),
        Request.cmd(Command.SINTER).arg(keys.couponsOfUser(userId)).arg(keys.couponsForAnyProduct()),
        Request.cmd(Command.HGET).arg(keys.userGrades()).arg(userId),
        Request.cmd(Command.EXISTS).arg(keys.couponIndexReady()))).map(rs -> {
          if (rs.get(3).toInteger() == 0) {
            // Redis lost the sets and they are being rebuilt: an empty answer would be a wrong "no coupons".
            throw ApiException.unavailable("the coupon index is being rebuilt; retry shortly");
          }
          Set<String> matching = set(rs.get(0));
          matching.addAll(set(rs.get(1)));
          return new Candidates(matching, rs.get(2) == null ? null : rs.get(2).toString());
        });
  }

  /** Definitions by id (missing ones are absent from the answer). */
  public Future<Map<String, Coupon>> definitions(Collection<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<String> list = new ArrayList<>(ids);
    Request req = Request.cmd(Command.HMGET).arg(keys.couponDefs());
    list.forEach(req::arg);
    return redis.send(req).map(r -> {
      Map<String, Coupon> out = new HashMap<>();
      for (int i = 0; i < list.size(); i++) {
        if (r.get(i) != null) {
          out.put(list.get(i), Coupon.fromJson(new JsonObject(r.get(i).toString())));
        }
      }
      return out;
    });
  }

  /** Takes the coupon out of the user's sets for a checkout; false when the user does not hold it (any more). */
  public Future<Boolean> take(String userId, String couponId) {
    return TAKE.run(redis, List.of(keys.couponsOfUser(userId), keys.holdersOfCoupon(couponId)),
        List.of(couponId, userId)).map(r -> r.toInteger() == 1);
  }

  /** Puts a taken coupon back (its reservation failed in PostgreSQL). */
  public Future<Void> putBack(String userId, String couponId) {
    return send(List.of(Request.cmd(Command.SADD).arg(keys.couponsOfUser(userId)).arg(couponId),
        Request.cmd(Command.SADD).arg(keys.holdersOfCoupon(couponId)).arg(userId)));
  }

  private Future<Set<String>> members(String key) {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(key)).map(CouponIndex::set);
  }

  private Future<Void> send(List<Request> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    // One chunk after the other: later commands (DEL then SADD of a set) must not overtake earlier ones.
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < batch.size(); i += 1000) {
      List<Request> chunk = batch.subList(i, Math.min(batch.size(), i + 1000));
      chain = chain.compose(x -> redis.batch(chunk).mapEmpty());
    }
    return chain;
  }

  private static Set<String> set(Response r) {
    Set<String> out = new HashSet<>();
    if (r != null) {
      r.forEach(x -> out.add(x.toString()));
    }
    return out;
  }
}
