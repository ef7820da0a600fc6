package io.flashsale.inventory;

import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.RedisLease;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Layer 1, the Redis side of inventory: the Lua scripts that hold, release, confirm and reset stock. Each script
 * touches one product's keys (one hash slot on a Redis Cluster, see {@link RedisKeys#stock}); a checkout of several
 * products runs it once per product. A multi-product hold is all or none through a small protocol: every product is
 * held, and when one refuses, what the others held goes back at once. A crash in between leaves held entries with
 * their expiry, which the sweeper gives back (PostgreSQL first: the checkout row was never written).
 */
public final class StockCache {

  private static final LuaScript HOLD = LuaScript.load("inventory_hold.lua");
  private static final LuaScript RELEASE = LuaScript.load("inventory_release.lua");
  private static final LuaScript CONFIRM_BEGIN = LuaScript.load("inventory_confirm_begin.lua");
  private static final LuaScript CONFIRM_END = LuaScript.load("inventory_confirm_end.lua");
  private static final LuaScript RESET = LuaScript.load("inventory_reset.lua");
  private static final LuaScript RESTORE_HOLD = LuaScript.load("inventory_restore_hold.lua");
  private static final LuaScript DUE = LuaScript.load("inventory_due.lua");
  private static final LuaScript WIPE = LuaScript.load("inventory_wipe.lua");

  private final Redis redis;
  /** Commands on a product's keys: long-lived pipelined connections on a cluster, the pool on one server. */
  private final Function<Request, Future<Response>> hot;
  private final RedisKeys keys;
  /** One Redis server (not a cluster): scripts on different products' keys may share one pipeline. */
  private final boolean oneServer;

  public StockCache(Redis redis, RedisKeys keys) {
    this(redis, redis::send, keys, true);
  }

  public StockCache(Redis redis, Function<Request, Future<Response>> hot, RedisKeys keys, boolean oneServer) {
    this.redis = redis;
    this.hot = hot;
    this.keys = keys;
    this.oneServer = oneServer;
  }

  /** A begin-confirm answer for a product whose script gave no answer (timeout, lost connection). */
  public static final String UNKNOWN = "UNKNOWN";

  /** What the hold answered: {@code OK}, or why not and for which product. */
  public record HoldAnswer(String code, String productId, long number) {
  }

  /** One product's holds that need the sweeper: expired ones, and confirms left unfinished past the cut-off. */
  public record Due(String productId, List<String> expired, List<String> staleConfirms) {
  }

  /** The member of the expiry and confirming sets for a checkout (carries the user, for the give-back). */
  public static String member(String userId, String checkoutId) {
    return userId + "|" + checkoutId;
  }

  /** The hold entry of one product of a checkout, as the scripts keep it. */
  static String holdEntry(String userId, long expiresAt, int units, int limit, String eventId) {
    return "HELD|" + userId + "|" + expiresAt + "|" + units + "|" + limit + "|" + (eventId == null ? "" : eventId);
  }

  /**
   * Holds every item or none. Products are held at once, one script each; if one refuses, the ones that were held go
   * back before the answer (the first refusal in the checkout's item order is answered).
   */
  public Future<HoldAnswer> hold(Checkout c) {
    List<Future<HoldAnswer>> each = new ArrayList<>(c.items().size());
    for (PricedItem i : c.items()) {
      each.add(HOLD.run(hot, holdKeys(i.productId()), List.of(c.checkoutId(), member(c.userId(), c.checkoutId()),
          c.userId(), c.expiresAt().toEpochMilli(), keys.stockChannel(), i.productId(), i.quantity(), i.limitPerUser(),
          i.eventId() == null ? "" : i.eventId())).map(r -> new HoldAnswer(r.get(0).toString(), i.productId(),
          r.size() > 1 ? Long.parseLong(r.get(1).toString()) : 0)));
    }
    return Future.join(new ArrayList<>(each)).transform(x -> {
      List<String> taken = new ArrayList<>();
      HoldAnswer refusal = null;
      Throwable failure = null;
      for (int k = 0; k < each.size(); k++) {
        Future<HoldAnswer> f = each.get(k);
        if (f.failed()) {
          // No answer (a timeout, a lost connection): the script may have run, so its hold goes back with the rest.
          failure = failure == null ? f.cause() : failure;
          taken.add(c.items().get(k).productId());
        } else if ("OK".equals(f.result().code())) {
          taken.add(f.result().productId());
        } else if (refusal == null) {
          refusal = f.result();
        }
      }
      if (refusal == null && failure == null) {
        return Future.succeededFuture(new HoldAnswer("OK", null, 0));
      }
      if (taken.isEmpty()) {
        return Future.succeededFuture(refusal);
      }
      // Not all held: what was held goes back now (no checkout row exists yet). If that fails too, the entries keep
      // their expiry and the sweeper gives them back.
      HoldAnswer answer = refusal;
      Throwable err = failure;
      return release(c.userId(), c.checkoutId(), taken, Checkout.RELEASED, 0).otherwiseEmpty()
          .compose(y -> err != null ? Future.failedFuture(err) : Future.succeededFuture(answer));
    });
  }

  /**
   * Gives the checkout's holds of {@code productIds} back (also CONFIRMING ones: callers ask only once PostgreSQL says
   * it is not an order); {@code state} is RELEASED or EXPIRED. Answers 1 when units went back, 0 when there was
   * nothing to give back, −1 when an expiry came too early.
   */
  public Future<Integer> release(String userId, String checkoutId, List<String> productIds, String state,
                                 long nowMillis) {
    List<Future<Integer>> each = new ArrayList<>(productIds.size());
    for (String p : productIds) {
      each.add(RELEASE.run(hot, allKeys(p), List.of(checkoutId, member(userId, checkoutId), state, keys.stockChannel(),
              nowMillis, p)).map(Response::toInteger));
    }
    return Future.all(new ArrayList<>(each)).map(x -> {
      int out = 0;
      for (Future<Integer> f : each) {
        if (f.result() < 0) {
          return -1;
        }
        out = Math.max(out, f.result());
      }
      return out;
    });
  }

  /**
   * Marks the checkout's holds of {@code productIds} CONFIRMING; answers each product's code in the same order: OK,
   * or why that hold cannot be confirmed (NOT_LOADED, MISSING, EXPIRED, or the state it is in).
   */
  public Future<List<String>> beginConfirm(String userId, String checkoutId, List<String> productIds, long nowMillis) {
    List<Future<String>> each = new ArrayList<>(productIds.size());
    for (String p : productIds) {
      each.add(CONFIRM_BEGIN.run(hot, confirmKeys(p), List.of(checkoutId, member(userId, checkoutId), nowMillis))
          .map(r -> r.get(0).toString()));
    }
    // A product that gave no answer is UNKNOWN (its mark may be set): the caller takes it back with the others.
    return Future.join(new ArrayList<>(each)).transform(x -> Future.succeededFuture(each.stream()
        .map(f -> f.succeeded() ? f.result() : UNKNOWN).toList()));
  }

  /**
   * Ends the confirms of a committed batch, all CONFIRMED: one script per product, whatever the number of checkouts,
   * all in one pipeline on one Redis server; never fails (the stale-confirm sweep settles later).
   */
  public Future<Void> endConfirmed(List<Checkout> checkouts) {
    Map<String, List<Object>> byProduct = new LinkedHashMap<>();
    for (Checkout c : checkouts) {
      for (PricedItem i : c.items()) {
        byProduct.computeIfAbsent(i.productId(), p -> new ArrayList<>(List.of("CONFIRMED")))
            .addAll(List.of(c.checkoutId(), member(c.userId(), c.checkoutId())));
      }
    }
    if (oneServer) {
      // A batch of many products (the spread layout: about one per order) ends in one round trip, not one per product.
      List<List<String>> keyLists = new ArrayList<>(byProduct.size());
      byProduct.keySet().forEach(p -> keyLists.add(confirmKeys(p)));
      return CONFIRM_END.runAll(redis, keyLists, new ArrayList<>(byProduct.values())).otherwiseEmpty().mapEmpty();
    }
    List<Future<Response>> each = new ArrayList<>(byProduct.size());
    byProduct.forEach((p, args) -> each.add(CONFIRM_END.run(hot, confirmKeys(p), args)));
    return Future.join(new ArrayList<>(each)).otherwiseEmpty().mapEmpty();
  }

  /** {@code confirmed}: the units left for good; else the holds go back to HELD. Answers how many it applied to. */
  public Future<Integer> endConfirm(String userId, String checkoutId, List<String> productIds, boolean confirmed) {
    List<Future<Integer>> each = new ArrayList<>(productIds.size());
    for (String p : productIds) {
      each.add(CONFIRM_END.run(hot, confirmKeys(p), List.of(confirmed ? "CONFIRMED" : "HELD", checkoutId,
          member(userId, checkoutId))).map(Response::toInteger));
    }
    return Future.all(new ArrayList<>(each)).map(x -> each.stream().mapToInt(Future::result).sum());
  }

  /**
   * available = quantity − held; {@code held} null keeps Redis's own held count. Answers {before, after}. The product
   * joins the inventory's product list first, so whatever Redis holds of it is swept.
   */
  public Future<long[]> reset(String productId, long quantity, Long held) {
    return redis.send(Request.cmd(Command.SADD).arg(keys.inventoryProducts()).arg(productId))
        .compose(x -> RESET.run(hot, List.of(keys.stock(productId)),
            List.of(productId, quantity, held == null ? "" : String.valueOf(held), keys.stockChannel()))).map(r -> {
              String before = r.get(0).toString();
              return new long[] {before.isEmpty() ? -1 : Long.parseLong(before), Long.parseLong(r.get(1).toString())};
            });
  }

  /** Re-creates one product's hold of a checkout after Redis lost it; answers 1, or 0 when it was still there. */
  public Future<Integer> restoreHold(String productId, String userId, String checkoutId, long expiresAt, int units,
                                     int limit, String eventId) {
    return RESTORE_HOLD.run(hot, List.of(keys.holds(productId), keys.holdExpiry(productId)), List.of(checkoutId,
        member(userId, checkoutId), holdEntry(userId, expiresAt, units, limit, eventId), expiresAt))
        .map(Response::toInteger);
  }

  /** Forgets everything Redis holds of one product (an operator's rebuild starts from PostgreSQL alone). */
  public Future<Void> wipe(String productId) {
    return WIPE.run(hot, allKeys(productId), List.of()).mapEmpty();
  }

  /** A cancelled order's units no longer count against the shopper's limit. */
  public Future<Void> giveBackLimit(String userId, String eventId, String productId, int units) {
    return hot.apply(Request.cmd(Command.HINCRBY).arg(keys.limits(productId)).arg(userId + "|" + eventId).arg(-units))
        .mapEmpty();
  }

  /** Sets one product's limit counters, {@code user|event} → units (after a rebuild). */
  public Future<Void> setLimits(String productId, Map<String, Long> counters) {
    if (counters.isEmpty()) {
      return Future.succeededFuture();
    }
    Request req = Request.cmd(Command.HSET).arg(keys.limits(productId));
    counters.forEach((field, units) -> req.arg(field).arg(units));
    return hot.apply(req).mapEmpty();
  }

  /** One product's holds whose expiry has come by {@code nowMillis}, and its confirms started before {@code staleBefore}. */
  public Future<Due> due(String productId, long nowMillis, long staleBefore, int max) {
    return DUE.run(hot, List.of(keys.holdExpiry(productId), keys.confirming(productId)),
        List.of(nowMillis, staleBefore, max)).map(r -> new Due(productId, strings(r.get(0)), strings(r.get(1))));
  }

  /** Every product whose stock was loaded into Redis. */
  public Future<List<String>> products() {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(keys.inventoryProducts())).map(StockCache::strings);
  }

  private static List<String> strings(Response r) {
    List<String> out = new ArrayList<>(r == null ? 0 : r.size());
    if (r != null) {
      r.forEach(x -> out.add(x.toString()));
    }
    return out;
  }

  public Future<Boolean> isReady() {
    return redis.send(Request.cmd(Command.EXISTS).arg(keys.inventoryReady())).map(r -> r.toInteger() == 1);
  }

  public Future<Void> markReady() {
    return redis.send(Request.cmd(Command.SET).arg(keys.inventoryReady()).arg(System.currentTimeMillis())).mapEmpty();
  }

  /** Takes the rebuild lock for {@code ttlMs}; answers our token, or {@code null} when another holder has it. */
  public Future<String> tryRebuildLock(long ttlMs) {
    return RedisLease.tryTake(redis, keys.inventoryRebuildLock(), ttlMs);
  }

  /** Releases the rebuild lock only if it is still ours (it may have expired and been taken by another process). */
  public Future<Void> dropRebuildLock(String token) {
    return RedisLease.release(redis, keys.inventoryRebuildLock(), token);
  }

  /** Makes the next {@code ensureReady} rebuild the inventory from PostgreSQL. */
  public Future<Void> markNotReady() {
    return redis.send(Request.cmd(Command.DEL).arg(keys.inventoryReady())).mapEmpty();
  }

  /** One product's {available, held} units, or {@code null} when Redis does not hold its stock. */
  public Future<long[]> stock(String productId) {
    return hot.apply(Request.cmd(Command.HMGET).arg(keys.stock(productId)).arg("a").arg("h")).map(r ->
        r == null || r.get(0) == null ? null : new long[] {r.get(0).toLong(), r.get(1) == null ? 0 : r.get(1).toLong()});
  }

  public Future<Long> available(String productId) {
    return stock(productId).map(s -> s == null ? null : s[0]);
  }

  /**
   * Each product's available units in the order asked, {@code null} for a product Redis does not hold, over any way
   * of sending a command (the waiting room's client).
   */
  public static Future<List<Long>> availableOf(Function<Request, Future<Response>> send, RedisKeys keys,
                                               List<String> productIds) {
    List<Future<Response>> each = new ArrayList<>(productIds.size());
    productIds.forEach(p -> each.add(send.apply(Request.cmd(Command.HGET).arg(keys.stock(p)).arg("a"))));
    return Future.all(new ArrayList<>(each)).map(x -> {
      List<Long> out = new ArrayList<>(each.size());
      each.forEach(f -> out.add(f.result() == null ? null : f.result().toLong()));
      return out;
    });
  }

  /** Every loaded product's available and held units (for drift reports and tests). */
  public Future<Map<String, long[]>> snapshot() {
    return products().compose(ids -> {
      Map<String, long[]> out = new HashMap<>();
      List<Future<long[]>> each = new ArrayList<>(ids.size());
      ids.forEach(p -> each.add(stock(p).onSuccess(s -> {
        if (s != null) {
          out.put(p, s);
        }
      })));
      return Future.all(new ArrayList<>(each)).map(out);
    });
  }

  /** The keys of the hold script, in its KEYS order. */
  private List<String> holdKeys(String p) {
    return List.of(keys.stock(p), keys.holds(p), keys.holdExpiry(p), keys.limits(p));
  }

  /** Every key of one product: the hold's, and its confirming set (release and wipe). */
  private List<String> allKeys(String p) {
    return List.of(keys.stock(p), keys.holds(p), keys.holdExpiry(p), keys.limits(p), keys.confirming(p));
  }

  private List<String> confirmKeys(String p) {
    return List.of(keys.stock(p), keys.holds(p), keys.holdExpiry(p), keys.confirming(p));
  }
}
