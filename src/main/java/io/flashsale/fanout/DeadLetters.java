package io.flashsale.fanout;

import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.ListOffsetsResultInfo;
import io.vertx.kafka.admin.OffsetSpec;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ops on dead-letter topics: list what is there (not yet replayed), replay it (back to the failing consumer's retry
 * topic, attempts reset), and count it (the dashboard's DLQ depth). Replays advance the consumer group
 * {@code dlq-replayer}, so a record is replayed once.
 */
public final class DeadLetters {

  public static final String REPLAYER = "dlq-replayer";

  /** One dead-lettered record. */
  public record Letter(String topic, int partition, long offset, String consumer, int attempts, String error,
                       String eventId, String type, KafkaConsumerRecord<String, String> record) {
  }

  private final Vertx vertx;
  private final KafkaConfig kafka;
  private final Topics topics;

  public DeadLetters(Vertx vertx, KafkaConfig kafka, Topics topics) {
    this.vertx = vertx;
    this.kafka = kafka;
    this.topics = topics;
  }

  /** The records of {@code <topic>.dlq} not yet replayed. Blocking: for the CLI and tests. */
  public List<Letter> pending(String topic) throws Exception {
    String dlq = Topics.dlq(topic);
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.admin());
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, kafka.consumer(REPLAYER));
    try {
      Map<TopicPartition, Long> ends = endOffsets(admin, dlq);
      List<Letter> out = new ArrayList<>();
      if (ends.isEmpty()) {
        return out;
      }
      consumer.assign(ends.keySet()).await(10, TimeUnit.SECONDS);
      for (TopicPartition tp : ends.keySet()) {
        OffsetAndMetadata committed = consumer.committed(tp).await(10, TimeUnit.SECONDS);
        consumer.seek(tp, committed == null ? 0 : committed.getOffset()).await(10, TimeUnit.SECONDS);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!caughtUp(consumer, ends) && System.nanoTime() < deadline) {
        var batch = consumer.poll(Duration.ofMillis(300)).await(10, TimeUnit.SECONDS);
        for (int i = 0; i < batch.size(); i++) {
          KafkaConsumerRecord<String, String> r = batch.recordAt(i);
          JsonObject env = safeJson(r.value());
          out.add(new Letter(r.topic(), r.partition(), r.offset(),
              IdempotentConsumer.header(r, IdempotentConsumer.H_CONSUMER, "?"),
              Integer.parseInt(IdempotentConsumer.header(r, IdempotentConsumer.H_ATTEMPT, "0")),
              IdempotentConsumer.header(r, IdempotentConsumer.H_ERROR, ""), env.getString("eventId", "?"),
              env.getString("type", "?"), r));
        }
      }
      return out;
    } finally {
      consumer.close();
      admin.close();
    }
  }

  private static boolean caughtUp(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> ends)
      throws Exception {
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      if (consumer.position(e.getKey()).await(10, TimeUnit.SECONDS) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Sends each pending record back to its consumer's retry topic (attempts reset) and marks it replayed. */
  public int replay(String topic, String onlyConsumer) throws Exception {
    List<Letter> letters = pending(topic);
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, kafka.producer("flashsale-dlq-replay"));
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, kafka.consumer(REPLAYER));
    int replayed = 0;
    try {
      Map<io.vertx.kafka.client.common.TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
      for (Letter l : letters) {
        if (onlyConsumer == null || onlyConsumer.equals(l.consumer())) {
          KafkaProducerRecord<String, String> out = KafkaProducerRecord.create(topics.retry(l.consumer()),
              l.record().key(), l.record().value());
          out.addHeader(IdempotentConsumer.H_ATTEMPT, "0").addHeader(IdempotentConsumer.H_ORIGINAL_TOPIC, topic)
              .addHeader(IdempotentConsumer.H_CONSUMER, l.consumer());
          producer.send(out).await(10, TimeUnit.SECONDS);
          replayed++;
        }
        commits.put(new TopicPartition(l.topic(), l.partition()), new OffsetAndMetadata(l.offset() + 1, "replayed"));
      }
      if (!commits.isEmpty()) {
        consumer.assign(commits.keySet()).await(10, TimeUnit.SECONDS);
        consumer.commit(commits).await(10, TimeUnit.SECONDS);
      }
      return replayed;
    } finally {
      producer.close();
      consumer.close();
    }
  }

  /** Records waiting in the DLQs of these topics (end offset − replayed offset). */
  public static Future<Long> depth(Vertx vertx, KafkaAdminClient admin, List<String> domainTopics) {
    List<Future<Long>> perTopic = new ArrayList<>();
    for (String t : domainTopics) {
      String dlq = Topics.dlq(t);
      perTopic.add(admin.describeTopics(List.of(dlq)).compose(d -> {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        d.get(dlq).getPartitions().forEach(p -> spec.put(new TopicPartition(dlq, p.getPartition()), OffsetSpec.LATEST));
        return admin.listOffsets(spec).compose(ends -> admin.listConsumerGroupOffsets(REPLAYER).map(done -> {
          long depth = 0;
          for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
            OffsetAndMetadata c = done.get(e.getKey());
            depth += e.getValue().getOffset() - (c == null ? 0 : c.getOffset());
          }
          return depth;
        }));
      }).otherwise(0L));
    }
    return Future.all(new ArrayList<>(perTopic)).map(x -> perTopic.stream().mapToLong(Future::result).sum());
  }

  private static Map<TopicPartition, Long> endOffsets(KafkaAdminClient admin, String topic) throws Exception {
    Map<TopicPartition, Long> out = new HashMap<>();
    Map<String, io.vertx.kafka.admin.TopicDescription> d;
    try {
      d = admin.describeTopics(List.of(topic)).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return out; // no DLQ topic yet: nothing ever failed
    }
    Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
    d.get(topic).getPartitions().forEach(p -> spec.put(new TopicPartition(topic, p.getPartition()), OffsetSpec.LATEST));
    admin.listOffsets(spec).await(10, TimeUnit.SECONDS).forEach((tp, info) -> {
      if (info.getOffset() > 0) {
        out.put(tp, info.getOffset());
      }
    });
    return out;
  }

  private static JsonObject safeJson(String s) {
    try {
      return new JsonObject(s);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
