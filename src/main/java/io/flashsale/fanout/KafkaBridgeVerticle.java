package io.flashsale.fanout;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The event bus ⇄ Kafka bridge, so verticles need not know Kafka: every domain event on Kafka is republished on the
 * local bus at {@code kafka.in.<topic>} (each process gets them all, from "now": the partitions are assigned, not
 * subscribed — no consumer group, so restarts leave no group behind); a request to {@code kafka.out} with
 * {@code {topic, key, value}} is sent to Kafka. Durable domain events still go through the outbox — the bridge is for
 * listeners and for events that may be lost. Deployed only with {@code kafka.bridge} (it reads every domain event in
 * every process).
 */
public final class KafkaBridgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBridgeVerticle.class);

  private final AppConfig config;
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> producer;
  private long retryTimer = -1;

  public KafkaBridgeVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    KafkaConfig kafka = KafkaConfig.from(config);
    Topics topics = Topics.from(config);
    String prefix = config.string("kafka.topicPrefix");
    Map<String, String> consumerConfig = kafka.consumer("bridge");
    consumerConfig.remove("group.id");
    consumerConfig.put("auto.offset.reset", "latest");
    consumer = KafkaConsumer.create(vertx, consumerConfig);
    consumer.handler(r -> {
      try {
        vertx.eventBus().publish(BusAddresses.KAFKA_IN + r.topic().substring(prefix.length()), new JsonObject(r.value()));
      } catch (RuntimeException e) {
        LOG.warn("bridge skips unreadable record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
      }
    });
    consumer.exceptionHandler(err -> LOG.warn("bridge consumer: {}", err.toString()));
    producer = KafkaProducer.create(vertx, kafka.producer("flashsale-bridge"));
    vertx.eventBus().<JsonObject>localConsumer(BusAddresses.KAFKA_OUT, msg -> {
      JsonObject m = msg.body();
      producer.send(KafkaProducerRecord.create(prefix + m.getString("topic"), m.getString("key"),
              m.getJsonObject("value").encode()))
          .onSuccess(meta -> msg.reply(new JsonObject().put("partition", meta.getPartition())
              .put("offset", meta.getOffset())))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    assignAll(topics.all(), 0);
    return Future.succeededFuture();
  }

  /** Every partition of every domain topic, read from its end; retried while Kafka or a topic is not there yet. */
  private void assignAll(List<String> topics, int attempt) {
    List<Future<List<PartitionInfo>>> lookups = new ArrayList<>();
    topics.forEach(t -> lookups.add(consumer.partitionsFor(t)));
    Future.all(new ArrayList<>(lookups)).compose(x -> {
      Set<TopicPartition> all = new HashSet<>();
      lookups.forEach(f -> f.result().forEach(p -> all.add(new TopicPartition(p.getTopic(), p.getPartition()))));
      if (all.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("no partitions yet"));
      }
      return consumer.assign(all).compose(v -> consumer.seekToEnd(all));
    }).onSuccess(v -> LOG.debug("bridge reading {} topics from now", topics.size())).onFailure(err -> {
      if (attempt == 0) {
        LOG.warn("bridge cannot assign the domain topics yet ({}); retrying", err.toString());
      }
      retryTimer = vertx.setTimer(Math.min(5_000L, 250L << Math.min(attempt, 4)), id -> assignAll(topics, attempt + 1));
    });
  }

  @Override
  public Future<?> stop() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    return Future.join(consumer.close().timeout(3, TimeUnit.SECONDS), producer.close(2000));
  }
}
