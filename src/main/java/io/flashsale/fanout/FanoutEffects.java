package io.flashsale.fanout;

import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
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
    return e -> switch (e.type()) {
      case OrderStore.ORDER_PLACED -> pool.preparedQuery("""
              insert into points_ledger (event_id, order_id, user_id, reason, points) values ($1, $2, $3, 'ORDER_PLACED', $4)
              on conflict do nothing""")
          .execute(Tuple.of(e.eventId(), orderId(e), userId(e), e.payload().getLong("total") / WON_PER_POINT))
          .mapEmpty();
      case OrderStore.ORDER_CANCELLED -> pool.preparedQuery("""
              insert into points_ledger (event_id, order_id, user_id, reason, points)
              values ($1, $2, $3, 'ORDER_CANCELLED', -($4::bigint))
              on conflict do nothing""")
          .execute(Tuple.of(e.eventId(), orderId(e), userId(e), e.payload().getLong("total") / WON_PER_POINT))
          .mapEmpty();
      default -> Future.succeededFuture();
    };
  }

  /** The message a customer would get, stored instead of sent. */
  public static IdempotentConsumer.Effect notifications(Pool pool) {
    return e -> {
      String subject = switch (e.type()) {
        case OrderStore.ORDER_PLACED -> "Your order " + orderId(e) + " is confirmed";
        case OrderStore.ORDER_CANCELLED -> "Your order " + orderId(e) + " was cancelled and refunded";
        default -> null;
      };
      if (subject == null) {
        return Future.succeededFuture();
      }
      String body = subject + ". Total: " + e.payload().getLong("total") + " won.";
      return pool.preparedQuery("""
              insert into notifications (event_id, channel, user_id, subject, body) values ($1, 'EMAIL', $2, $3, $4)
              on conflict do nothing""").execute(Tuple.of(e.eventId(), userId(e), subject, body)).mapEmpty();
    };
  }

  /** Orders and won per minute, per event and in total, in Redis buckets kept for two days. */
  public static IdempotentConsumer.Effect salesStats(Redis redis, RedisKeys keys) {
    return e -> {
      long sign;
      if (OrderStore.ORDER_PLACED.equals(e.type())) {
        sign = 1;
      } else if (OrderStore.ORDER_CANCELLED.equals(e.type())) {
        sign = -1;
      } else {
        return Future.succeededFuture();
      }
      String minute = MINUTE.format(e.occurredAt());
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
      k.add(keys.ordersPerMinute("all", minute));
      k.add(keys.salesPerMinute("all", minute));
      args.add(sign);
      args.add(sign * paid);
      for (Map.Entry<String, Long> en : wonByEvent.entrySet()) {
        k.add(keys.ordersPerMinute(en.getKey(), minute));
        k.add(keys.salesPerMinute(en.getKey(), minute));
        args.add(sign);
        // Discounts are shared out over events by their share of the list total.
        args.add(sign * (total == 0 ? 0 : en.getValue() * paid / total));
      }
      return SALES.run(redis, k, args).mapEmpty();
    };
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
