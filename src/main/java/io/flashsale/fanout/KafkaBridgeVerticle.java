package io.flashsale.fanout;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.util.HashSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The event bus ⇄ Kafka bridge, so verticles need not know Kafka: every domain event on Kafka is republished on the
 * local bus at {@code kafka.in.<topic>} (each process gets them all: its own consumer group, from "now"); a request to
 * {@code kafka.out} with {@code {topic, key, value}} is sent to Kafka. Durable domain events still go through the
 * outbox — the bridge is for listeners and for events that may be lost.
 */
public final class KafkaBridgeVerticle extends VerticleBase {

  private final AppConfig config;
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> producer;

  public KafkaBridgeVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    KafkaConfig kafka = KafkaConfig.from(config);
    Topics topics = Topics.from(config);
    String prefix = config.string("kafka.topicPrefix");
    Map<String, String> consumerConfig = kafka.consumer("bridge-" + UUID.randomUUID());
    consumerConfig.put("auto.offset.reset", "latest");
    consumerConfig.put("enable.auto.commit", "true");
    consumer = KafkaConsumer.create(vertx, consumerConfig);
    consumer.handler(r -> vertx.eventBus().publish(BusAddresses.KAFKA_IN + r.topic().substring(prefix.length()),
        new JsonObject(r.value())));
    consumer.exceptionHandler(err -> { });
    producer = KafkaProducer.create(vertx, kafka.producer("flashsale-bridge"));
    vertx.eventBus().<JsonObject>localConsumer(BusAddresses.KAFKA_OUT, msg -> {
      JsonObject m = msg.body();
      producer.send(KafkaProducerRecord.create(prefix + m.getString("topic"), m.getString("key"),
              m.getJsonObject("value").encode()))
          .onSuccess(meta -> msg.reply(new JsonObject().put("partition", meta.getPartition())
              .put("offset", meta.getOffset())))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    consumer.subscribe(new HashSet<>(topics.all()));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return Future.join(consumer.close().timeout(3, TimeUnit.SECONDS), producer.close(2000));
  }
}
