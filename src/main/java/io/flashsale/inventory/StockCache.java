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
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Layer 1, the Redis side of inventory: the Lua scripts that hold, release, confirm and reset stock. */
public final class StockCache {

  private static final LuaScript HOLD = LuaScript.load("inventory_hold.lua");
  private static final LuaScript RELEASE = LuaScript.load("inventory_release.lua");
  private static final LuaScript CONFIRM_BEGIN = LuaScript.load("inventory_confirm_begin.lua");
  private static final LuaScript CONFIRM_END = LuaScript.load("inventory_confirm_end.lua");
  private static final LuaScript RESET = LuaScript.load("inventory_reset.lua");
  private static final LuaScript RESTORE_HOLD = LuaScript.load("inventory_restore_hold.lua");

  private final Redis redis;
  /** The hot scripts (hold, release, confirm) go through long-lived pipelined connections; the rest pooled. */
  private final Function<Request, Future<Response>> hot;
  private final RedisKeys keys;

  public StockCache(Redis redis, RedisKeys keys) {
    this(redis, redis::send, keys);
  }

  public StockCache(Redis redis, Function<Request, Future<Response>> hot, RedisKeys keys) {
    this.redis = redis;
    this.hot = hot;
    this.keys = keys;
  }

  /** What the hold script answered: {@code OK}, or why not and for which product. */
  public record HoldAnswer(String code, String productId, long number) {
  }

  /** The member of the expiry and confirming sets for a checkout (carries the user, whose limit key we need). */
  public static String member(String userId, String checkoutId) {
    return userId + "|" + checkoutId;
  }

  public Future<HoldAnswer> hold(Checkout c) {
    List<Object> args = new ArrayList<>();
    args.add(member(c.userId(), c.checkoutId()));
    args.add(c.userId());
    args.add(c.expiresAt().toEpochMilli());
    args.add(keys.stockChannel());
    args.add(c.items().size());
    for (PricedItem i : c.items()) {
      args.add(i.productId());
      args.add(i.quantity());
      args.add(i.limitPerUser());
      args.add(i.eventId() == null ? "" : i.eventId());
      args.add(i.unitPrice());
    }
    return HOLD.run(hot, List.of(keys.inventoryReady(), keys.available(), keys.held(), keys.hold(c.checkoutId()),
        keys.holdExpiry(), keys.limits(c.userId())), args).map(r -> new HoldAnswer(r.get(0).toString(),
        r.size() > 1 ? r.get(1).toString() : null, r.size() > 2 ? Long.parseLong(r.get(2).toString()) : 0));
  }

  /**
   * Gives the hold's units back (also a CONFIRMING hold's: callers ask only once PostgreSQL says it is not an order);
   * {@code state} is RELEASED or EXPIRED. Answers 1 when units went back, 0 when there was nothing to give back, −1
   * when an expiry came too early.
   */
  public Future<Integer> release(String userId, String checkoutId, String state, long nowMillis) {
    return RELEASE.run(hot, List.of(keys.available(), keys.held(), keys.hold(checkoutId), keys.holdExpiry(),
            keys.limits(userId), keys.confirming()),
        List.of(member(userId, checkoutId), state, keys.stockChannel(), nowMillis)).map(Response::toInteger);
  }

  /** Marks the hold CONFIRMING; answers {@code [OK, items]} or the reason it cannot be confirmed. */
  public Future<List<String>> beginConfirm(String userId, String checkoutId, long nowMillis) {
    return CONFIRM_BEGIN.run(hot, List.of(keys.inventoryReady(), keys.hold(checkoutId), keys.holdExpiry(),
        keys.confirming()), List.of(member(userId, checkoutId), nowMillis)).map(r -> {
          List<String> out = new ArrayList<>();
          r.forEach(x -> out.add(x.toString()));
          return out;
        });
  }

  /** Ends the confirms of a committed batch, all CONFIRMED, in one pipeline; never fails (the sweeper settles later). */
  public Future<Void> endConfirmed(List<Checkout> checkouts) {
    List<List<String>> allKeys = new ArrayList<>(checkouts.size());
    List<List<Object>> allArgs = new ArrayList<>(checkouts.size());
    for (Checkout c : checkouts) {
      allKeys.add(List.of(keys.held(), keys.hold(c.checkoutId()), keys.holdExpiry(), keys.confirming()));
      allArgs.add(List.of(member(c.userId(), c.checkoutId()), "CONFIRMED"));
    }
    return CONFIRM_END.runAll(redis, allKeys, allArgs).otherwiseEmpty().mapEmpty();
  }

  /** {@code confirmed}: the units left for good; else the hold goes back to HELD. */
  public Future<Integer> endConfirm(String userId, String checkoutId, boolean confirmed) {
    return CONFIRM_END.run(hot, List.of(keys.held(), keys.hold(checkoutId), keys.holdExpiry(), keys.confirming()),
        List.of(member(userId, checkoutId), confirmed ? "CONFIRMED" : "HELD")).map(Response::toInteger);
  }

  /** available = quantity − held; {@code held} null keeps Redis's own held count. Answers {before, after}. */
  public Future<long[]> reset(String productId, long quantity, Long held) {
    return RESET.run(redis, List.of(keys.available(), keys.held()),
        List.of(productId, quantity, held == null ? "" : String.valueOf(held), keys.stockChannel())).map(r -> {
          String before = r.get(0).toString();
          return new long[] {before.isEmpty() ? -1 : Long.parseLong(before), Long.parseLong(r.get(1).toString())};
        });
  }

  public Future<Integer> restoreHold(String userId, String checkoutId, long expiresAt, String items) {
    return RESTORE_HOLD.run(redis, List.of(keys.hold(checkoutId), keys.holdExpiry()),
        List.of(member(userId, checkoutId), userId, expiresAt, items)).map(Response::toInteger);
  }

  /** A cancelled order's units no longer count against the shopper's limit. */
  public Future<Void> giveBackLimit(String userId, String eventId, String productId, int units) {
    return redis.send(Request.cmd(Command.HINCRBY).arg(keys.limits(userId)).arg(eventId + "|" + productId).arg(-units))
        .mapEmpty();
  }

  /** Sets a user's limit counters (after a rebuild). */
  public Future<Void> setLimits(String userId, Map<String, Long> counters) {
    Request req = Request.cmd(Command.HSET).arg(keys.limits(userId));
    counters.forEach((field, units) -> req.arg(field).arg(units));
    return redis.send(req).mapEmpty();
  }

  /** Holds whose expiry has come: expiry-set members, oldest first. */
  public Future<List<String>> expired(long nowMillis, int max) {
    return members(keys.holdExpiry(), nowMillis, max);
  }

  /** Confirms that started before {@code beforeMillis} and never ended (the process died mid-way). */
  public Future<List<String>> staleConfirms(long beforeMillis, int max) {
    return members(keys.confirming(), beforeMillis, max);
  }

  private Future<List<String>> members(String key, long maxScore, int max) {
    return redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(key).arg("-inf").arg(maxScore).arg("LIMIT").arg(0).arg(max))
        .map(r -> {
          List<String> out = new ArrayList<>(r.size());
          r.forEach(x -> out.add(x.toString()));
          return out;
        });
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

  /** Makes holds and confirms wait (NOT_READY) until a rebuild sets the sentinel again. */
  public Future<Void> markNotReady() {
    return redis.send(Request.cmd(Command.DEL).arg(keys.inventoryReady())).mapEmpty();
  }

  /** Every product's available and held units (for drift reports and tests). */
  public Future<Map<String, long[]>> snapshot() {
    return redis.batch(List.of(Request.cmd(Command.HGETALL).arg(keys.available()),
        Request.cmd(Command.HGETALL).arg(keys.held()))).map(rs -> {
          Map<String, long[]> out = new HashMap<>();
          Response avail = rs.get(0);
          for (String p : avail.getKeys()) {
            out.computeIfAbsent(p, k -> new long[2])[0] = avail.get(p).toLong();
          }
          Response held = rs.get(1);
          for (String p : held.getKeys()) {
            out.computeIfAbsent(p, k -> new long[2])[1] = held.get(p).toLong();
          }
          return out;
        });
  }

  public Future<Long> available(String productId) {
    return redis.send(Request.cmd(Command.HGET).arg(keys.available()).arg(productId))
        .map(r -> r == null ? null : r.toLong());
  }
}
