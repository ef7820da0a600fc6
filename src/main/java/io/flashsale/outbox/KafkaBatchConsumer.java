package io.flashsale.outbox;

import io.flashsale.infra.KafkaConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The poll → apply → commit loop every consumer of our domain events uses: offsets are committed only after a batch
 * was applied, and a batch that fails (a dependency is down) is retried with backoff, never skipped. Effects must be
 * idempotent: after a crash or a rebalance a batch may come again.
 */
public final class KafkaBatchConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBatchConsumer.class);
  /**
   * Shared-data map where each running consumer of this process records how many partitions its group gave it
   * (0 from subscribe until the group's first assignment), keyed by group and a sequence number.
   */
  public static final String ASSIGNMENTS = "flashsale.kafka.assignments";
  private static final AtomicLong SEQ = new AtomicLong();

  private final Vertx vertx;
  private final String name;
  private final String assignmentKey;
  private final KafkaConsumer<String, String> consumer;
  private final Function<KafkaConsumerRecords<String, String>, Future<?>> apply;
  private volatile boolean stopping;

  private KafkaBatchConsumer(Vertx vertx, String name, KafkaConsumer<String, String> consumer,
                             Function<KafkaConsumerRecords<String, String>, Future<?>> apply) {
    this.vertx = vertx;
    this.name = name;
    this.consumer = consumer;
    this.apply = apply;
    this.assignmentKey = name + "#" + SEQ.incrementAndGet();
    trackAssignment();
  }

  private void trackAssignment() {
    LocalMap<String, Integer> assignments = vertx.sharedData().getLocalMap(ASSIGNMENTS);
    Set<TopicPartition> held = ConcurrentHashMap.newKeySet();
    assignments.put(assignmentKey, 0);
    consumer.partitionsAssignedHandler(partitions -> {
      held.addAll(partitions);
      if (!stopping) {
        assignments.put(assignmentKey, held.size());
      }
      LOG.info("{} consumer holds {} partitions", name, held.size());
    });
    consumer.partitionsRevokedHandler(partitions -> {
      held.removeAll(partitions);
      if (!stopping) {
        assignments.put(assignmentKey, held.size());
      }
    });
  }

  /** Whether this process runs consumers and each holds at least one partition (its group has assigned it). */
  public static boolean allAssigned(Vertx vertx) {
    LocalMap<String, Integer> assignments = vertx.sharedData().getLocalMap(ASSIGNMENTS);
    return !assignments.isEmpty() && assignments.values().stream().allMatch(n -> n > 0);
  }

  /** Subscribes the consumer group {@code group} to {@code topics} and applies each batch as domain events. */
  public static Future<KafkaBatchConsumer> start(Vertx vertx, KafkaConfig kafka, String group, List<String> topics,
                                                 Function<List<OutboxEvent>, Future<?>> apply) {
    return startRaw(vertx, kafka.consumer(group), group, topics, records -> {
      List<OutboxEvent> events = parse(group, records);
      return events.isEmpty() ? Future.succeededFuture() : apply.apply(events);
    });
  }

  /** The same loop over the records themselves (for consumers that read headers), with the consumer's own config. */
  public static Future<KafkaBatchConsumer> startRaw(Vertx vertx, Map<String, String> consumerConfig, String group,
                                                    List<String> topics,
                                                    Function<KafkaConsumerRecords<String, String>, Future<?>> apply) {
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, consumerConfig);
    consumer.exceptionHandler(err -> LOG.warn("{} consumer: {}", group, err.toString()));
    KafkaBatchConsumer loop = new KafkaBatchConsumer(vertx, group, consumer, apply);
    vertx.sharedData().getLocalMap(io.flashsale.infra.LocalFigures.GROUPS_MAP).put(group, Boolean.TRUE);
    return consumer.subscribe(new HashSet<>(topics)).map(v -> {
      loop.poll();
      return loop;
    });
  }

  private void poll() {
    if (stopping) {
      return;
    }
    consumer.poll(Duration.ofMillis(200)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("{} poll failed: {}", name, ar.cause().toString());
        vertx.setTimer(500, id -> poll());
        return;
      }
      applyBatch(ar.result(), 0);
    });
  }

  private void applyBatch(KafkaConsumerRecords<String, String> records, int attempt) {
    if (stopping) {
      return;
    }
    if (records.isEmpty()) {
      poll();
      return;
    }
    Future<?> applied;
    try {
      applied = apply.apply(records);
    } catch (RuntimeException e) {
      applied = Future.failedFuture(e);
    }
    applied.onComplete(ar -> {
      if (ar.succeeded()) {
        // A failed commit only means these events may come again after a rebalance; effects are idempotent.
        consumer.commit().onComplete(c -> {
          if (c.failed()) {
            LOG.warn("{} offset commit failed: {}", name, c.cause().toString());
          }
          poll();
        });
        return;
      }
      long delay = Math.min(5_000L, 100L << Math.min(attempt, 6));
      LOG.warn("{}: applying {} records failed (attempt {}), retrying in {} ms: {}", name, records.size(), attempt + 1,
          delay, ar.cause().toString());
      vertx.setTimer(delay, id -> applyBatch(records, attempt + 1));
    });
  }

  private static List<OutboxEvent> parse(String name, KafkaConsumerRecords<String, String> records) {
    List<OutboxEvent> events = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> r = records.recordAt(i);
      try {
        events.add(OutboxEvent.fromEnvelope(r.topic(), new JsonObject(r.value())));
      } catch (RuntimeException e) {
        LOG.error("{} skips unreadable record {}-{}@{}: {}", name, r.topic(), r.partition(), r.offset(), e.toString());
      }
    }
    return events;
  }

  /** Stops polling and closes the consumer; bounded, since a close during a group rebalance can wait long. */
  public Future<Void> stop() {
    stopping = true;
    vertx.sharedData().getLocalMap(ASSIGNMENTS).remove(assignmentKey);
    return consumer.close().timeout(3, TimeUnit.SECONDS).onFailure(err -> LOG.warn("{} consumer did not close within"
        + " 3 s ({}); it may stay in its group until its session times out", name, err.toString())).otherwiseEmpty();
  }
}
