package io.flashsale.fanout;

import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.ShardedBatch;
import io.flashsale.order.OrderStore;
import io.flashsale.outbox.OutboxEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The effects of the fan-out consumers: loyalty points, notifications, sales statistics — each idempotent. */
public final class FanoutEffects {

  /** 1 point per 100 won paid. */
  static final long WON_PER_POINT = 100;
  static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
  private static final LuaScript SALES = LuaScript.load("sales_stats.lua");

  private FanoutEffects() {
  }

  /** Points granted on OrderPlaced, taken back on OrderCancelled; the ledger's keys make a replay a no-op. */
  public static IdempotentConsumer.Effect points(Pool pool) {
    // One multi-row insert for every order event of a poll.
    return IdempotentConsumer.Effect.batched(events -> {
      List<UUID> ids = new ArrayList<>();
      List<String> orders = new ArrayList<>();
      List<String> users = new ArrayList<>();
      List<String> reasons = new ArrayList<>();
      List<Long> points = new ArrayList<>();
      for (OutboxEvent e : events) {
        long sign = OrderStore.ORDER_PLACED.equals(e.type()) ? 1 : OrderStore.ORDER_CANCELLED.equals(e.type()) ? -1 : 0;
        if (sign != 0) {
          ids.add(e.eventId());
          orders.add(orderId(e));
          users.add(userId(e));
          reasons.add(sign > 0 ? "ORDER_PLACED" : "ORDER_CANCELLED");
          points.add(sign * (e.payload().getLong("total") / WON_PER_POINT));
        }
      }
      return ids.isEmpty() ? Future.succeededFuture() : pool.preparedQuery(FanoutSql.GRANT_POINTS)
          .execute(Tuple.of(ids.toArray(UUID[]::new), orders.toArray(String[]::new), users.toArray(String[]::new),
              reasons.toArray(String[]::new), points.toArray(Long[]::new))).mapEmpty();
    });
  }

  /** The message a customer would get, stored instead of sent. */
  public static IdempotentConsumer.Effect notifications(Pool pool) {
    // One multi-row insert for every order event of a poll.
    return IdempotentConsumer.Effect.batched(events -> {
      List<UUID> ids = new ArrayList<>();
      List<String> users = new ArrayList<>();
      List<String> subjects = new ArrayList<>();
      List<String> bodies = new ArrayList<>();
      for (OutboxEvent e : events) {
        String subject = switch (e.type()) {
          case OrderStore.ORDER_PLACED -> "Your order " + orderId(e) + " is confirmed";
          case OrderStore.ORDER_CANCELLED -> "Your order " + orderId(e) + " was cancelled and refunded";
          default -> null;
        };
        if (subject != null) {
          ids.add(e.eventId());
          users.add(userId(e));
          subjects.add(subject);
          bodies.add(subject + ". Total: " + e.payload().getLong("total") + " won.");
        }
      }
      return ids.isEmpty() ? Future.succeededFuture() : pool.preparedQuery(FanoutSql.STORE_NOTIFICATIONS)
          .execute(Tuple.of(ids.toArray(UUID[]::new), users.toArray(String[]::new), subjects.toArray(String[]::new),
              bodies.toArray(String[]::new))).mapEmpty();
    });
  }

  /** Orders and won per minute, per event and in total, in Redis buckets kept for two days. */
  public static IdempotentConsumer.Effect salesStats(Redis redis, RedisKeys keys) {
    // One pipeline of script calls for every order event of a poll (each script dedupes its own event).
    return IdempotentConsumer.Effect.batched(events -> {
      List<List<String>> allKeys = new ArrayList<>();
      List<List<Object>> allArgs = new ArrayList<>();
      List<Integer> shards = new ArrayList<>();
      for (OutboxEvent e : events) {
        if (salesCall(e, keys, allKeys, allArgs)) {
          shards.add(keys.statsShard(e.eventId().toString()));
        }
      }
      // One pipeline per tag: an event's mark and its buckets share its tag (the script touches them together).
      return allKeys.isEmpty() ? Future.succeededFuture() : ShardedBatch.run(shards, indexes -> SALES.runAll(redis,
          indexes.stream().map(allKeys::get).toList(), indexes.stream().map(allArgs::get).toList())).mapEmpty();
    });
  }

  /** The script call that counts one order event, or nothing for other events. */
  private static boolean salesCall(OutboxEvent e, RedisKeys keys, List<List<String>> allKeys,
                                   List<List<Object>> allArgs) {
    long sign;
    if (OrderStore.ORDER_PLACED.equals(e.type())) {
      sign = 1;
    } else if (OrderStore.ORDER_CANCELLED.equals(e.type())) {
      sign = -1;
    } else {
      return false;
    }
    String minute = MINUTE.format(e.occurredAt());
    int shard = keys.statsShard(e.eventId().toString());
    Map<String, Long> wonByEvent = new LinkedHashMap<>();
    long total = 0;
    for (Object o : e.payload().getJsonArray("items")) {
      JsonObject item = (JsonObject) o;
      long won = item.getLong("unitPrice") * item.getInteger("quantity");
      wonByEvent.merge(item.getString("eventId") == null ? "none" : item.getString("eventId"), won, Long::sum);
      total += won;
    }
    long paid = e.payload().getLong("total");
    List<String> k = new ArrayList<>();
    List<Object> args = new ArrayList<>(List.of(7 * 24 * 3600, 2 * 24 * 3600));
    k.add(keys.processed("sales-stats-lua", e.eventId().toString()));
    k.add(keys.ordersPerMinute(shard, "all", minute));
    k.add(keys.salesPerMinute(shard, "all", minute));
    args.add(sign);
    args.add(sign * paid);
    for (Map.Entry<String, Long> en : wonByEvent.entrySet()) {
      k.add(keys.ordersPerMinute(shard, en.getKey(), minute));
      k.add(keys.salesPerMinute(shard, en.getKey(), minute));
      args.add(sign);
      // Discounts are shared out over events by their share of the list total.
      args.add(sign * (total == 0 ? 0 : en.getValue() * paid / total));
    }
    allKeys.add(k);
    allArgs.add(args);
    return true;
  }

  /** The bucket name of a minute, e.g. {@code 202611241935}. */
  public static String minute(java.time.Instant t) {
    return MINUTE.format(t);
  }

  private static String orderId(OutboxEvent e) {
    return e.payload().getString("orderId", e.aggregateId());
  }

  private static String userId(OutboxEvent e) {
    String user = e.payload().getString("userId");
    if (user == null) {
      throw new IllegalArgumentException("order event without userId");
    }
    return user;
  }
}
