package io.flashsale.fanout;

import io.flashsale.infra.Concurrently;
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

import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

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

  /** The records of every {@code <topic>.dlq.*} not yet replayed. */
  public Future<List<Letter>> pending(String topic) {
    return pending(topic, null);
  }

  /** The records {@code consumer} (every consumer when null) dead-lettered from {@code topic}, not yet replayed. */
  public Future<List<Letter>> pending(String topic, String consumer) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, adminConfig());
    List<Letter> out = new ArrayList<>();
    return dlqTopics(admin, topic, consumer)
        .compose(dlqs -> Concurrently.forEach(dlqs, 1, dlq -> read(admin, dlq).onSuccess(scan -> out.addAll(scan.letters()))))
        .map(out).eventually(() -> admin.close());
  }

  /** A dead-letter topic's unreplayed letters and the end offsets they were read up to. */
  private record Scan(List<Letter> letters, Map<TopicPartition, Long> ends) {
  }

  private Future<Scan> read(KafkaAdminClient admin, String dlq) {
    return endOffsets(admin, dlq).compose(ends -> {
      List<Letter> out = new ArrayList<>();
      if (ends.isEmpty()) {
        return Future.succeededFuture(new Scan(out, ends));
      }
      KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, replayerConfig());
      return consumer.assign(ends.keySet())
          .compose(x -> Concurrently.forEach(new ArrayList<>(ends.keySet()), 1, tp -> consumer.committed(tp)
              .compose(committed -> consumer.seek(tp, committed == null ? 0 : committed.getOffset()))))
          .compose(x -> readToEnd(consumer, dlq, ends, out, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)))
          .map(x -> new Scan(out, ends))
          .eventually(consumer::close);
    });
  }

  /** Polls until the consumer's position reaches {@code ends} on every partition (bounded by {@code deadline}). */
  private Future<Void> readToEnd(KafkaConsumer<String, String> consumer, String dlq, Map<TopicPartition, Long> ends,
                                 List<Letter> out, long deadline) {
    return caughtUp(consumer, ends).compose(done -> {
      if (done) {
        return Future.<Void>succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new IllegalStateException("could not read " + dlq + " to its end in 30 s"));
      }
      return consumer.poll(Duration.ofMillis(300)).compose(batch -> {
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
        return readToEnd(consumer, dlq, ends, out, deadline);
      });
    });
  }

  private static Future<Boolean> caughtUp(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> ends) {
    List<Future<Boolean>> reached = new ArrayList<>();
    ends.forEach((tp, end) -> reached.add(consumer.position(tp).map(position -> position >= end)));
    return Future.all(new ArrayList<>(reached)).map(x -> reached.stream().allMatch(Future::result));
  }

  /**
   * Sends each pending record of {@code onlyConsumer} (every consumer when null) back to its consumer's retry topic
   * (attempts reset) and marks exactly those replayed: only the replayed consumers' dead-letter topics move. Answers
   * how many were sent back.
   */
  public Future<Integer> replay(String topic, String onlyConsumer) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, adminConfig());
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, kafka.producer("flashsale-dlq-replay"));
    KafkaConsumer<String, String> committer = KafkaConsumer.create(vertx, replayerConfig());
    int[] replayed = {0};
    return dlqTopics(admin, topic, onlyConsumer).compose(dlqs -> Concurrently.forEach(dlqs, 1, dlq -> read(admin, dlq)
        .compose(scan -> Concurrently.forEach(scan.letters(), 1, l -> {
          KafkaProducerRecord<String, String> out = KafkaProducerRecord.create(topics.retry(l.consumer()),
              l.record().key(), l.record().value());
          out.addHeader(IdempotentConsumer.H_ATTEMPT, "0").addHeader(IdempotentConsumer.H_ORIGINAL_TOPIC, topic)
              .addHeader(IdempotentConsumer.H_CONSUMER, l.consumer());
          return producer.send(out).onSuccess(x -> replayed[0]++);
        }).compose(x -> {
          // Everything up to where the scan read was sent back: mark it replayed (this consumer's topic only).
          Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
          scan.ends().forEach((tp, end) -> commits.put(tp, new OffsetAndMetadata(end, "replayed")));
          return commits.isEmpty() ? Future.<Void>succeededFuture()
              : committer.assign(commits.keySet()).compose(v -> committer.commit(commits)).<Void>mapEmpty();
        }))))
        .map(x -> replayed[0])
        .eventually(() -> Future.join(producer.close(), committer.close(), admin.close()));
  }

  /**
   * The admin client of one list or replay: made for this call, so its first request also fetches the cluster's
   * metadata, which the application's 3 s API timeout did not always cover on a loaded machine (the dlq-replay drill
   * failed with "Timed out waiting for a node assignment" while the broker answered everyone else).
   */
  private Map<String, String> adminConfig() {
    Map<String, String> c = kafka.admin();
    c.put("request.timeout.ms", "5000");
    c.put("default.api.timeout.ms", "15000");
    return c;
  }

  /** The replayer's consumer; each call (committed, seek, position, poll, commit) gives up after 10 s. */
  private Map<String, String> replayerConfig() {
    Map<String, String> c = kafka.consumer(REPLAYER);
    c.put("default.api.timeout.ms", "10000");
    return c;
  }

  /** Records waiting in the dead-letter topics of these topics (end offset − replayed offset, every consumer). */
  public static Future<Long> depth(KafkaAdminClient admin, KafkaConfig kafka, List<String> domainTopics) {
    return depthByTopic(admin, kafka, domainTopics).map(m -> m.values().stream().mapToLong(Long::longValue).sum());
  }

  /** The same, per dead-letter topic (every DLQ topic that exists, empty ones included). */
  public static Future<Map<String, Long>> depthByTopic(KafkaAdminClient admin, KafkaConfig kafka,
                                                       List<String> domainTopics) {
    String group = kafka.groupId(REPLAYER);
    return admin.listTopics().compose(all -> {
      List<String> dlqs = all.stream().filter(t -> domainTopics.stream().anyMatch(d -> t.startsWith(Topics.dlqPrefix(d))))
          .sorted().toList();
      if (dlqs.isEmpty()) {
        return Future.succeededFuture(Map.<String, Long>of());
      }
      return admin.describeTopics(dlqs).compose(d -> {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        d.forEach((name, desc) -> desc.getPartitions().forEach(p ->
            spec.put(new TopicPartition(name, p.getPartition()), OffsetSpec.LATEST)));
        return admin.listOffsets(spec).compose(ends -> admin.listConsumerGroupOffsets(group).map(done -> {
          Map<String, Long> depth = new java.util.TreeMap<>();
          dlqs.forEach(t -> depth.put(t, 0L));
          for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
            OffsetAndMetadata c = done.get(e.getKey());
            depth.merge(e.getKey().getTopic(), e.getValue().getOffset() - (c == null ? 0 : c.getOffset()), Long::sum);
          }
          return depth;
        }));
      });
    });
  }

  /** The dead-letter topics of {@code topic}: one consumer's, or every consumer's. */
  private static Future<List<String>> dlqTopics(KafkaAdminClient admin, String topic, String consumer) {
    if (consumer != null) {
      return Future.succeededFuture(List.of(Topics.dlq(topic, consumer)));
    }
    return admin.listTopics().map(all -> all.stream().filter(t -> t.startsWith(Topics.dlqPrefix(topic))).sorted()
        .toList());
  }

  /** The partitions of {@code topic} holding records, with their end offsets; none when the topic does not exist. */
  private static Future<Map<TopicPartition, Long>> endOffsets(KafkaAdminClient admin, String topic) {
    Map<TopicPartition, Long> out = new HashMap<>();
    return admin.describeTopics(List.of(topic)).compose(d -> {
      Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
      d.get(topic).getPartitions().forEach(p -> spec.put(new TopicPartition(topic, p.getPartition()), OffsetSpec.LATEST));
      return admin.listOffsets(spec).map(offsets -> {
        offsets.forEach((tp, info) -> {
          if (info.getOffset() > 0) {
            out.put(tp, info.getOffset());
          }
        });
        return out;
      });
    }, err -> noSuchTopic(err)
        ? Future.succeededFuture(out) // no DLQ topic yet: nothing ever failed
        : Future.failedFuture(err)); // the broker did not answer: not known, so not "nothing"
  }

  private static boolean noSuchTopic(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof UnknownTopicOrPartitionException) {
        return true;
      }
    }
    return false;
  }

  private static JsonObject safeJson(String s) {
    try {
      return new JsonObject(s);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
