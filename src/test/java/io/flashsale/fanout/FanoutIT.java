package io.flashsale.fanout;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.flashsale.order.OrderStore;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.checkoutBody;
import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("Fan-out consumers: effectively once, with retries, a DLQ and a Kafka outage")
class FanoutIT {

  private Vertx vertx;
  private Pool pool;
  private Redis redis;
  private KafkaProducer<String, String> producer;
  private final AppConfig config = TestInfra.config();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    pool = PgConfig.from(config).pool(vertx, "test", 4);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    producer = KafkaProducer.create(vertx, KafkaConfig.from(config).producer("fanout-test"));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static OutboxEvent orderPlaced(String topic, String orderId, String userId, long total) {
    return orderPlaced(topic, orderId, userId, total, "ev-test");
  }

  /** An OrderPlaced of one unit of p1 at {@code total}, sold in sale event {@code saleEventId}. */
  private static OutboxEvent orderPlaced(String topic, String orderId, String userId, long total, String saleEventId) {
    return OutboxEvent.of(topic, "order", orderId, OrderStore.ORDER_PLACED, 1, new JsonObject().put("orderId", orderId)
        .put("userId", userId).put("checkoutId", "co-" + orderId).put("status", "CONFIRMED").put("total", total)
        .put("items", new JsonArray().add(new JsonObject().put("productId", "p1").put("quantity", 1)
            .put("unitPrice", total).put("eventId", saleEventId))));
  }

  private void send(String topic, String key, OutboxEvent e) throws Exception {
    producer.send(KafkaProducerRecord.create(topic, key, e.envelope().encode())).await(10, TimeUnit.SECONDS);
  }

  private long sql(String query, String arg) {
    try {
      return pool.preparedQuery(query).execute(Tuple.of(arg)).await(5, TimeUnit.SECONDS).iterator().next().getLong(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("The same record delivered three times grants points once, notifies once, counts the sale once")
  void duplicatesApplyOnce() throws Exception {
    vertx.deployVerticle(new FanoutVerticle(config)).await(30, TimeUnit.SECONDS);
    Topics topics = Topics.from(config);
    String key = uniqueId("k");
    String orderId = uniqueId("ord");
    String sentinel = uniqueId("ord");
    // A sale event of its own, so its statistics buckets count this order alone.
    String saleEvent = uniqueId("ev");
    OutboxEvent event = orderPlaced(topics.orders(), orderId, "u-dup", 12_300, saleEvent);
    // One copy applied first, then two more: redelivered after it was applied (a later poll, as after a rebalance)
    // and twice in one poll. No mark skips them: each effect's own key does.
    send(topics.orders(), key, event);
    waitUntil(Duration.ofSeconds(30), () -> sql("select count(*) from points_ledger where order_id = $1", orderId) == 1,
        "the first copy's points");
    for (int i = 0; i < 2; i++) {
      send(topics.orders(), key, event);
    }
    // Same key, same partition: once the sentinel is applied, the three copies before it were too.
    String sentinelSale = uniqueId("ev");
    OutboxEvent sentinelEvent = orderPlaced(topics.orders(), sentinel, "u-dup", 100, sentinelSale);
    send(topics.orders(), key, sentinelEvent);
    waitUntil(Duration.ofSeconds(30), () -> sql("select count(*) from points_ledger where order_id = $1", sentinel) == 1,
        "the sentinel's points");
    waitUntil(Duration.ofSeconds(10), () -> sql("select count(*) from notifications where subject like '%' || $1 || '%'",
        sentinel) == 1, "the sentinel's notification");
    assertThat(sql("select count(*) from points_ledger where order_id = $1", orderId)).isEqualTo(1);
    assertThat(sql("select points from points_ledger where order_id = $1", orderId)).isEqualTo(123);
    assertThat(sql("select count(*) from notifications where subject like '%' || $1 || '%'", orderId)).isEqualTo(1);
    RedisKeys keys = RedisKeys.from(config);
    String minute = FanoutEffects.minute(event.occurredAt());
    // A minute's figure is the sum of its shards' buckets (one shard on a single server). Same partition: once the
    // sentinel is counted, the three copies before it were handled.
    String sentinelMinute = FanoutEffects.minute(sentinelEvent.occurredAt());
    waitUntil(Duration.ofSeconds(30), () -> summed(keys, sentinelSale, sentinelMinute, true) >= 1,
        "the sentinel's stats");
    assertThat(summed(keys, saleEvent, minute, true)).as("orders counted for three copies").isEqualTo(1);
    assertThat(summed(keys, saleEvent, minute, false)).as("won counted for three copies").isEqualTo(12_300);
    assertThat(redisLong(keys.processed("sales-stats-lua", event.eventId().toString()))).isEqualTo(1);
    // Each effect takes more copies, two in one call, without failing (a failure would send a copy to the retry
    // topic, which the counts above cannot see) and without counting them.
    List<OutboxEvent> twice = List.of(event, event);
    FanoutEffects.points(pool).applyAll(twice).await(10, TimeUnit.SECONDS);
    FanoutEffects.notifications(pool).applyAll(twice).await(10, TimeUnit.SECONDS);
    FanoutEffects.salesStats(redis, keys).applyAll(twice).await(10, TimeUnit.SECONDS);
    assertThat(sql("select count(*) from points_ledger where order_id = $1", orderId)).isEqualTo(1);
    assertThat(sql("select count(*) from notifications where subject like '%' || $1 || '%'", orderId)).isEqualTo(1);
    assertThat(summed(keys, saleEvent, minute, true)).isEqualTo(1);
    assertThat(summed(keys, saleEvent, minute, false)).isEqualTo(12_300);
    // Each bucket got its expiry when it was made (not at every order): none is left to live for ever (TTL -1), the
    // event's and the all-events' orders and sales buckets alike, whatever their figure (-2: a shard with none).
    for (int shard = 0; shard < keys.statsShards(); shard++) {
      for (String ev : List.of("all", saleEvent)) {
        for (String bucket : List.of(keys.ordersPerMinute(shard, ev, minute), keys.salesPerMinute(shard, ev, minute))) {
          assertThat(ttl(bucket)).as(bucket).isNotEqualTo(-1L);
        }
      }
    }
  }

  /** A sale event's orders ({@code orders}) or won in a minute, summed over the statistics shards. */
  private long summed(RedisKeys keys, String saleEvent, String minute, boolean orders) {
    return java.util.stream.IntStream.range(0, keys.statsShards()).mapToLong(shard -> redisLong(orders
        ? keys.ordersPerMinute(shard, saleEvent, minute) : keys.salesPerMinute(shard, saleEvent, minute))).sum();
  }

  private long ttl(String key) {
    try {
      return redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.TTL).arg(key))
          .await(5, TimeUnit.SECONDS).toLong();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private long redisLong(String key) {
    try {
      var r = redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET).arg(key))
          .await(5, TimeUnit.SECONDS);
      return r == null ? 0 : r.toLong();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("A poison record goes to the DLQ after N tries, later records still apply, and a replay applies it")
  void poisonToDlqAndReplay() throws Exception {
    Topics topics = Topics.from(config);
    String topic = config.string("kafka.topicPrefix") + uniqueId("orders-poison");
    String consumerName = uniqueId("points-test");
    Set<String> poisoned = ConcurrentHashMap.newKeySet();
    IdempotentConsumer.Effect points = FanoutEffects.points(pool);
    IdempotentConsumer consumer = IdempotentConsumer.start(vertx, KafkaConfig.from(config), topics,
        consumerName, List.of(topic), 3, 100, e -> poisoned.contains(e.aggregateId())
            ? Future.failedFuture(new IllegalStateException("poisoned for the test")) : points.apply(e))
        .await(30, TimeUnit.SECONDS);
    String bad = uniqueId("ord");
    poisoned.add(bad);
    String key = uniqueId("k");
    send(topic, key, orderPlaced(topic, bad, "u-poison", 5_000));
    List<String> good = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = uniqueId("ord");
      good.add(id);
      send(topic, key, orderPlaced(topic, id, "u-poison", 1_000));
    }
    waitUntil(Duration.ofSeconds(30), () -> good.stream().allMatch(id ->
        sql("select count(*) from points_ledger where order_id = $1", id) == 1), "the later records to apply");
    DeadLetters dlq = new DeadLetters(vertx, KafkaConfig.from(config), topics);
    waitUntil(Duration.ofSeconds(30), () -> {
      try {
        return dlq.pending(topic).await(60, TimeUnit.SECONDS).stream().anyMatch(l -> l.consumer().equals(consumerName) && l.attempts() == 3);
      } catch (Exception e) {
        return false;
      }
    }, "the poison record in the DLQ after 3 attempts");
    DeadLetters.Letter letter = dlq.pending(topic).await(60, TimeUnit.SECONDS).get(0);
    assertThat(letter.error()).contains("poisoned for the test");
    assertThat(sql("select count(*) from points_ledger where order_id = $1", bad)).isZero();

    poisoned.clear(); // the cause is fixed
    assertThat(dlq.replay(topic, consumerName).await(60, TimeUnit.SECONDS)).isEqualTo(1);
    waitUntil(Duration.ofSeconds(30), () -> sql("select count(*) from points_ledger where order_id = $1", bad) == 1,
        "the replayed record to apply");
    assertThat(dlq.pending(topic).await(60, TimeUnit.SECONDS)).as("replayed once, not again").isEmpty();
    consumer.stop().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Two consumers dead-letter the same record; replaying one's letters leaves the other's listed, counted"
      + " and replayable")
  void replayOneConsumerKeepsTheOthers() throws Exception {
    Topics topics = Topics.from(config);
    String topic = config.string("kafka.topicPrefix") + uniqueId("orders-two-dlq");
    String first = uniqueId("first");
    String second = uniqueId("second");
    Set<String> poisoned = ConcurrentHashMap.newKeySet();
    Map<String, Set<String>> applied = new ConcurrentHashMap<>();
    List<IdempotentConsumer> consumers = new ArrayList<>();
    for (String name : List.of(first, second)) {
      applied.put(name, ConcurrentHashMap.newKeySet());
      consumers.add(IdempotentConsumer.start(vertx, KafkaConfig.from(config), topics,
          name, List.of(topic), 2, 50, e -> {
            if (poisoned.contains(e.aggregateId())) {
              return Future.failedFuture(new IllegalStateException("poisoned for " + name));
            }
            applied.get(name).add(e.aggregateId());
            return Future.succeededFuture();
          }).await(30, TimeUnit.SECONDS));
    }
    String bad = uniqueId("ord");
    poisoned.add(bad);
    send(topic, uniqueId("k"), orderPlaced(topic, bad, "u-two", 5_000));
    DeadLetters dlq = new DeadLetters(vertx, KafkaConfig.from(config), topics);
    waitUntil(Duration.ofSeconds(30), () -> {
      try {
        return dlq.pending(topic).await(60, TimeUnit.SECONDS).size() == 2;
      } catch (Exception e) {
        return false;
      }
    }, "both consumers' letters in their dead-letter topics");
    io.vertx.kafka.admin.KafkaAdminClient admin = io.vertx.kafka.admin.KafkaAdminClient.create(vertx,
        KafkaConfig.from(config).admin());
    try {
      assertThat(DeadLetters.depth(admin, KafkaConfig.from(config), List.of(topic)).await(10, TimeUnit.SECONDS))
          .isEqualTo(2);
      poisoned.clear();
      assertThat(dlq.replay(topic, first).await(60, TimeUnit.SECONDS)).isEqualTo(1);
      waitUntil(Duration.ofSeconds(30), () -> applied.get(first).contains(bad), "the first consumer's replay to apply");
      assertThat(dlq.pending(topic).await(60, TimeUnit.SECONDS)).extracting(DeadLetters.Letter::consumer).containsExactly(second);
      assertThat(DeadLetters.depth(admin, KafkaConfig.from(config), List.of(topic)).await(10, TimeUnit.SECONDS))
          .as("the depth the dashboard shows goes down by the replayed letter").isEqualTo(1);
      assertThat(applied.get(second)).doesNotContain(bad);
      assertThat(dlq.replay(topic, null).await(60, TimeUnit.SECONDS)).isEqualTo(1);
      waitUntil(Duration.ofSeconds(30), () -> applied.get(second).contains(bad), "the second consumer's replay");
      assertThat(dlq.pending(topic).await(60, TimeUnit.SECONDS)).isEmpty();
      assertThat(DeadLetters.depth(admin, KafkaConfig.from(config), List.of(topic)).await(10, TimeUnit.SECONDS))
          .isZero();
    } finally {
      admin.close();
      for (IdempotentConsumer c : consumers) {
        c.stop().await(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  @DisplayName("Kafka stopped for 12 s while orders are placed: every confirmed order reaches the ledger exactly once")
  void kafkaOutageLosesNothing() throws Exception {
    try (TestApp app = TestApp.start()) {
      String productId = openSale(app, 100, 5);
      List<String> orders = new ArrayList<>();
      TestInfra.stopKafka();
      long stoppedAt = System.nanoTime();
      try {
        // 12 s: past the producer's 8 s delivery timeout, so the relay's sends really fail and the rows wait.
        while (System.nanoTime() - stoppedAt < TimeUnit.SECONDS.toNanos(12) || orders.size() < 5) {
          String token = app.shopperToken(uniqueId("u"));
          HttpResponse<String> co = app.send(Load.post(app.port(), "/api/checkouts", token, checkoutBody(productId, 1)));
          assertThat(co.statusCode()).as(co.body()).isEqualTo(201);
          HttpResponse<String> order = app.send(Load.post(app.port(), "/api/orders", token, new JsonObject()
              .put("checkoutId", new JsonObject(co.body()).getString("checkoutId"))
              .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")).encode())
              .header("Idempotency-Key", uniqueId("k")));
          assertThat(order.statusCode()).as("orders confirm while Kafka is down: %s", order.body()).isEqualTo(201);
          orders.add(new JsonObject(order.body()).getString("orderId"));
          if (orders.size() >= 24) {
            break;
          }
          // Shoppers browse between orders: spreads the orders over the outage, and the page must keep answering.
          long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
          while (System.nanoTime() < next) {
            assertThat(app.get("/api/products/" + productId).statusCode()).isEqualTo(200);
          }
        }
        assertThat(sql("select count(*) from points_ledger where order_id = $1", orders.get(0))).isZero();
        // The relay could not publish: the orders' events wait in the outbox (its rows leave only once sent).
        assertThat(sql("select count(*) from outbox where aggregate_id = $1", orders.get(0)))
            .as("the first order's OrderPlaced still in the outbox").isEqualTo(1);
      } finally {
        TestInfra.startKafka();
      }
      waitUntil(Duration.ofSeconds(90), () -> orders.stream().allMatch(id ->
          sql("select count(*) from points_ledger where order_id = $1 and reason = 'ORDER_PLACED'", id) == 1),
          "every order in the points ledger");
      for (String id : orders) {
        assertThat(sql("select count(*) from points_ledger where order_id = $1", id)).as(id).isEqualTo(1);
      }
      System.out.printf("kafka outage: %d orders confirmed during %d s, all in the ledger once%n", orders.size(),
          TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stoppedAt));
    }
  }

  @Test
  @DisplayName("The bridge: Kafka events reach in-process listeners on the event bus, and bus messages reach Kafka")
  void bridge() throws Exception {
    try (TestApp app = TestApp.start(TestInfra.config().with(new JsonObject().put("kafka.bridge", true)))) {
      List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      app.vertx().eventBus().<JsonObject>localConsumer(BusAddresses.KAFKA_IN + Topics.USERS, m -> seen.add(m.body()))
          .completion().await(10, TimeUnit.SECONDS);
      String user = uniqueId("u");
      waitUntil(Duration.ofSeconds(30), () -> {
        app.putAdmin("/admin/users/" + user, new JsonObject().put("grade", "GOLD"));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < until) {
          if (seen.stream().anyMatch(e -> user.equals(e.getString("aggregateId")))) {
            return true;
          }
          Thread.onSpinWait();
        }
        return false;
      }, "a UserUpdated event on the bus (the bridge joins from 'now', so it may need a second write)");
      JsonObject reply = app.vertx().eventBus().<JsonObject>request(BusAddresses.KAFKA_OUT, new JsonObject()
          .put("topic", "bridge-test").put("key", "k1").put("value", new JsonObject().put("hello", "kafka")))
          .await(15, TimeUnit.SECONDS).body();
      assertThat(reply.getLong("offset")).isNotNegative();
    }
  }
}
