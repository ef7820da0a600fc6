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
 * Ops on dead-letter topics ({@code <topic>.dlq.<consumer>}, one per consumer): list what is there (not yet replayed),
 * replay it (back to the failing consumer's retry topic, attempts reset), and count it (the dashboard's DLQ depth).
 * Replays advance the consumer group {@code dlq-replayer} on the replayed consumer's topic only, so a record is
 * replayed once and another consumer's letters stay listed and replayable.
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

  /** The records of every {@code <topic>.dlq.*} not yet replayed. Blocking: for the CLI and tests. */
  public List<Letter> pending(String topic) throws Exception {
    return pending(topic, null);
  }

  /** The records {@code consumer} (every consumer when null) dead-lettered from {@code topic}, not yet replayed. */
  public List<Letter> pending(String topic, String consumer) throws Exception {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.admin());
    try {
      List<Letter> out = new ArrayList<>();
      for (String dlq : dlqTopics(admin, topic, consumer)) {
        out.addAll(read(admin, dlq).letters());
      }
      return out;
    } finally {
      admin.close();
    }
  }

  /** A dead-letter topic's unreplayed letters and the end offsets they were read up to. */
  private record Scan(List<Letter> letters, Map<TopicPartition, Long> ends) {
  }

  private Scan read(KafkaAdminClient admin, String dlq) throws Exception {
    Map<TopicPartition, Long> ends = endOffsets(admin, dlq);
    List<Letter> out = new ArrayList<>();
    if (ends.isEmpty()) {
      return new Scan(out, ends);
    }
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, kafka.consumer(REPLAYER));
    try {
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
          if (r.offset() >= ends.get(new TopicPartition(r.topic(), r.partition()))) {
            continue; // arrived after the scan began: the next scan's
          }
          JsonObject env = safeJson(r.value());
          out.add(new Letter(r.topic(), r.partition(), r.offset(),
              IdempotentConsumer.header(r, IdempotentConsumer.H_CONSUMER, "?"),
              Integer.parseInt(IdempotentConsumer.header(r, IdempotentConsumer.H_ATTEMPT, "0")),
              IdempotentConsumer.header(r, IdempotentConsumer.H_ERROR, ""), env.getString("eventId", "?"),
              env.getString("type", "?"), r));
        }
      }
      if (!caughtUp(consumer, ends)) {
        throw new IllegalStateException("could not read " + dlq + " to its end in 30 s");
      }
      return new Scan(out, ends);
    } finally {
      consumer.close();
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

  /**
   * Sends each pending record of {@code onlyConsumer} (every consumer when null) back to its consumer's retry topic
   * (attempts reset) and marks exactly those replayed: only the replayed consumers' dead-letter topics move.
   */
  public int replay(String topic, String onlyConsumer) throws Exception {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.admin());
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, kafka.producer("flashsale-dlq-replay"));
    KafkaConsumer<String, String> committer = KafkaConsumer.create(vertx, kafka.consumer(REPLAYER));
    int replayed = 0;
    try {
      for (String dlq : dlqTopics(admin, topic, onlyConsumer)) {
        Scan scan = read(admin, dlq);
        for (Letter l : scan.letters()) {
          KafkaProducerRecord<String, String> out = KafkaProducerRecord.create(topics.retry(l.consumer()),
              l.record().key(), l.record().value());
          out.addHeader(IdempotentConsumer.H_ATTEMPT, "0").addHeader(IdempotentConsumer.H_ORIGINAL_TOPIC, topic)
              .addHeader(IdempotentConsumer.H_CONSUMER, l.consumer());
          producer.send(out).await(10, TimeUnit.SECONDS);
          replayed++;
        }
        // Everything up to where the scan read was sent back: mark it replayed (this consumer's topic only).
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        scan.ends().forEach((tp, end) -> commits.put(tp, new OffsetAndMetadata(end, "replayed")));
        if (!commits.isEmpty()) {
          committer.assign(commits.keySet()).await(10, TimeUnit.SECONDS);
          committer.commit(commits).await(10, TimeUnit.SECONDS);
        }
      }
      return replayed;
    } finally {
      producer.close();
      committer.close();
      admin.close();
    }
  }

  /** Records waiting in the dead-letter topics of these topics (end offset − replayed offset, every consumer). */
  public static Future<Long> depth(KafkaAdminClient admin, KafkaConfig kafka, List<String> domainTopics) {
    String group = kafka.groupId(REPLAYER);
    return admin.listTopics().compose(all -> {
      List<String> dlqs = all.stream().filter(t -> domainTopics.stream().anyMatch(d -> t.startsWith(Topics.dlqPrefix(d))))
          .toList();
      if (dlqs.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      return admin.describeTopics(dlqs).compose(d -> {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        d.forEach((name, desc) -> desc.getPartitions().forEach(p ->
            spec.put(new TopicPartition(name, p.getPartition()), OffsetSpec.LATEST)));
        return admin.listOffsets(spec).compose(ends -> admin.listConsumerGroupOffsets(group).map(done -> {
          long depth = 0;
          for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
            OffsetAndMetadata c = done.get(e.getKey());
            depth += e.getValue().getOffset() - (c == null ? 0 : c.getOffset());
          }
          return depth;
        }));
      });
    });
  }

  /** The dead-letter topics of {@code topic}: one consumer's, or every consumer's. */
  private static List<String> dlqTopics(KafkaAdminClient admin, String topic, String consumer) throws Exception {
    if (consumer != null) {
      return List.of(Topics.dlq(topic, consumer));
    }
    return admin.listTopics().await(10, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(Topics.dlqPrefix(topic)))
        .sorted().toList();
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
