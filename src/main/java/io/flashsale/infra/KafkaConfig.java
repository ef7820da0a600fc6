package io.flashsale.infra;

import java.util.HashMap;
import java.util.Map;

/** How to reach Kafka and how our clients are tuned, from {@code kafka.*} config keys. */
public record KafkaConfig(String bootstrap, String topicPrefix, int partitions, int sessionTimeoutMillis,
                          int patientFetchMillis) {

  public static KafkaConfig from(AppConfig config) {
    int session = config.integer("kafka.sessionTimeoutMillis");
    if (session < 6_000 || session > 1_800_000) {
      // The broker's group.min/max.session.timeout.ms: it would refuse the join much later, consumer by consumer.
      throw new IllegalStateException("kafka.sessionTimeoutMillis must be within 6000..1800000 (the broker's limits),"
          + " not " + session);
    }
    int patient = config.integer("kafka.patientFetchMillis");
    if (patient < 0 || patient > 5_000) {
      throw new IllegalStateException("kafka.patientFetchMillis must be within 0..5000, not " + patient);
    }
    return new KafkaConfig(config.string("kafka.bootstrap"), config.string("kafka.topicPrefix"),
        config.integer("kafka.partitions"), session, patient);
  }

  /** An idempotent producer that waits for every in-sync replica: nothing acknowledged is lost or doubled. */
  public Map<String, String> producer(String clientId) {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    c.put("client.id", clientId);
    c.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("acks", "all");
    c.put("enable.idempotence", "true");
    c.put("max.in.flight.requests.per.connection", "5");
    c.put("linger.ms", "2");
    c.put("compression.type", "lz4");
    // Fail a send within seconds while the broker is down, so outbox rows go back to waiting instead of piling up.
    c.put("max.block.ms", "3000");
    c.put("request.timeout.ms", "3000");
    c.put("delivery.timeout.ms", "8000");
    c.put("reconnect.backoff.max.ms", "2000");
    return c;
  }

  /** The consumer group id this application uses for {@code group} (prefixed like every topic). */
  public String groupId(String group) {
    return topicPrefix + group;
  }

  /** A consumer that commits only what the application says it has applied. */
  public Map<String, String> consumer(String group) {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    c.put("group.id", groupId(group));
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    c.put("max.poll.records", "500");
    c.put("reconnect.backoff.max.ms", "2000");
    c.put("metadata.max.age.ms", "5000");
    // A killed instance's partitions wait for this long before another member takes them over (Kafka's default is
    // 45 s; the broker refuses less than 6 s).
    c.put("session.timeout.ms", String.valueOf(sessionTimeoutMillis));
    c.put("heartbeat.interval.ms", String.valueOf(Math.max(1000, sessionTimeoutMillis / 3)));
    return c;
  }

  /**
   * A consumer for work off the shopper's path (fan-out effects): the broker holds each fetch until 64 KB are there or
   * {@code kafka.patientFetchMillis} passed, so under load one fetch and one offset commit carry a few hundred events
   * instead of one relay round's worth each (every fetch and commit is a request the broker serves).
   */
  public Map<String, String> patientConsumer(String group) {
    Map<String, String> c = consumer(group);
    if (patientFetchMillis > 0) {
      c.put("fetch.min.bytes", "65536");
      c.put("fetch.max.wait.ms", String.valueOf(patientFetchMillis));
    }
    return c;
  }

  public Map<String, String> admin() {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", bootstrap);
    c.put("request.timeout.ms", "2000");
    c.put("default.api.timeout.ms", "3000");
    c.put("reconnect.backoff.max.ms", "2000");
    return c;
  }
}
