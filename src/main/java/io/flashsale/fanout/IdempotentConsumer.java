package io.flashsale.fanout;

import io.flashsale.infra.Tracing;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.KafkaBatchConsumer;
import io.flashsale.outbox.OutboxEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The building block of every fan-out consumer: at-least-once delivery made effectively-once by the effect itself,
 * which must be idempotent (a unique key in PostgreSQL, or a Lua script that checks its mark and applies together): a
 * record delivered again is applied again and changes nothing. (A Redis mark per consumer and event id, asked before
 * and written after, saved only a redelivery's no-op, at two commands per event and consumer on every first delivery
 * and a key kept for days per event — at 1,000 orders a second, millions of keys an hour; it was dropped.) A failing
 * record is retried through the consumer's retry topic with growing delays; after {@code maxAttempts} it goes
 * to {@code <topic>.dlq.<consumer>} with the error in its headers, and the consumer moves on. Offsets are committed only after
 * every record of a batch was applied, retried or dead-lettered.
 * Longer than our usual class: the batch, the retry topic and the dead letter are one delivery guarantee.
 */
public final class IdempotentConsumer {

  /** The effect of one event; it must be idempotent. A failed future means "try again later". */
  public interface Effect {
    Future<Void> apply(OutboxEvent event);

    /**
     * The effects of several events at once (one statement, one pipeline); idempotent like {@link #apply}. By default
     * one after the other.
     */
    default Future<Void> applyAll(List<OutboxEvent> events) {
      Future<Void> chain = Future.succeededFuture();
      for (OutboxEvent e : events) {
        chain = chain.compose(x -> apply(e));
      }
      return chain;
    }

    /** An effect written for many events at once; one event is a batch of one. */
    static Effect batched(java.util.function.Function<List<OutboxEvent>, Future<Void>> all) {
      return new Effect() {
        @Override
        public Future<Void> apply(OutboxEvent event) {
          return all.apply(List.of(event));
        }

        @Override
        public Future<Void> applyAll(List<OutboxEvent> events) {
          return all.apply(events);
        }
      };
    }
  }

  public static final String H_ATTEMPT = "fs-attempt";
  public static final String H_NOT_BEFORE = "fs-not-before";
  public static final String H_ORIGINAL_TOPIC = "fs-original-topic";
  public static final String H_CONSUMER = "fs-consumer";
  public static final String H_ERROR = "fs-error";

  private static final Logger LOG = LoggerFactory.getLogger(IdempotentConsumer.class);

  private final Vertx vertx;
  private final String name;
  private final KafkaProducer<String, String> producer;
  private final String retryTopic;
  /** The longest pause between two attempts of one record. */
  static final long MAX_BACKOFF_MS = 30_000;

  private final int maxAttempts;
  private final long baseBackoffMs;
  private final Effect effect;
  private KafkaBatchConsumer loop;

  private IdempotentConsumer(Vertx vertx, String name, KafkaProducer<String, String> producer, String retryTopic,
                             int maxAttempts, long baseBackoffMs, Effect effect) {
    this.vertx = vertx;
    this.name = name;
    this.producer = producer;
    this.retryTopic = retryTopic;
    this.maxAttempts = maxAttempts;
    this.baseBackoffMs = baseBackoffMs;
    this.effect = effect;
  }

  /** Starts consumer group {@code name} on {@code topics} (and its retry topic). */
  public static Future<IdempotentConsumer> start(Vertx vertx, KafkaConfig kafka, Topics topicNames, String name,
                                                 List<String> topics, int maxAttempts, long baseBackoffMs,
                                                 Effect effect) {
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, kafka.producer("flashsale-" + name));
    String retry = topicNames.retry(name);
    IdempotentConsumer c = new IdempotentConsumer(vertx, name, producer, retry, maxAttempts, baseBackoffMs, effect);
    List<String> all = new ArrayList<>(topics);
    all.add(retry);
    // The shared poll → apply → commit loop; a batch fails only when the retry/DLQ hand-off does (Kafka down), and
    // then comes again — the effects are idempotent.
    return KafkaBatchConsumer.startRaw(vertx, kafka.patientConsumer(name), name, all, c::handleBatch).map(loop -> {
      c.loop = loop;
      return c;
    });
  }

  /**
   * A poll's records: first deliveries that are due go together — one {@link Effect#applyAll} applies them all (one
   * multi-row statement, one pipeline) — so a burst of orders costs one round trip, not one per order. If that fails,
   * each goes the one-by-one way (with its retries and dead letters). Retries (and anything unreadable) then go one
   * by one, as they are few. Effects are idempotent and commutative, so the order between the two groups does not
   * matter.
   */
  private Future<Void> handleBatch(KafkaConsumerRecords<String, String> batch) {
    List<KafkaConsumerRecord<String, String>> due = new ArrayList<>();
    List<OutboxEvent> events = new ArrayList<>();
    List<KafkaConsumerRecord<String, String>> oneByOne = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      KafkaConsumerRecord<String, String> r = batch.recordAt(i);
      OutboxEvent event = null;
      if (intHeader(r, H_ATTEMPT, 0) == 0 && longHeader(r, H_NOT_BEFORE, 0) <= System.currentTimeMillis()) {
        try {
          event = OutboxEvent.fromEnvelope(header(r, H_ORIGINAL_TOPIC, r.topic()), new JsonObject(r.value()))
              .inTrace(header(r, Tracing.TRACEPARENT, null));
        } catch (RuntimeException e) {
          // unreadable: the one-by-one way dead-letters it
        }
      }
      if (event == null) {
        oneByOne.add(r);
      } else {
        due.add(r);
        events.add(event);
      }
    }
    Future<Void> together = events.isEmpty() ? Future.succeededFuture() : applyTogether(events).recover(err -> {
      LOG.info("{}: {} events together failed ({}); one by one", name, events.size(), err.toString());
      return oneAfterAnother(due);
    });
    return together.compose(x -> oneAfterAnother(oneByOne));
  }

  private Future<Void> oneAfterAnother(List<KafkaConsumerRecord<String, String>> records) {
    Future<Void> chain = Future.succeededFuture();
    for (KafkaConsumerRecord<String, String> r : records) {
      chain = chain.compose(x -> handle(r));
    }
    return chain;
  }

  private Future<Void> applyTogether(List<OutboxEvent> events) {
    // Each event's consumer span joins the trace of the request that wrote it (its record's traceparent header).
    return Tracing.consume("consume " + name, events.get(0).topic(),
        events.stream().map(OutboxEvent::traceparent).toList(), () -> {
          try {
            return effect.applyAll(events);
          } catch (RuntimeException e) {
            return Future.failedFuture(e);
          }
        });
  }

  private Future<Void> handle(KafkaConsumerRecord<String, String> r) {
    int attempt = intHeader(r, H_ATTEMPT, 0);
    String original = header(r, H_ORIGINAL_TOPIC, r.topic());
    OutboxEvent event;
    try {
      event = OutboxEvent.fromEnvelope(original, new JsonObject(r.value()))
          .inTrace(header(r, Tracing.TRACEPARENT, null));
    } catch (RuntimeException e) {
      return deadLetter(r, original, maxAttempts, "unreadable record: " + e);
    }
    long wait = longHeader(r, H_NOT_BEFORE, 0) - System.currentTimeMillis();
    Future<Void> ready = wait <= 0 ? Future.succeededFuture() : delay(wait);
    return ready.compose(x -> applyTogether(List.of(event))).transform(ar -> {
      if (ar.succeeded()) {
        return Future.<Void>succeededFuture();
      }
      String error = String.valueOf(ar.cause());
      if (attempt + 1 >= maxAttempts) {
        LOG.warn("{}: event {} failed {} times, to the DLQ: {}", name, event.eventId(), attempt + 1, error);
        return deadLetter(r, original, attempt + 1, error);
      }
      return retry(r, original, attempt + 1, error);
    });
  }

  private Future<Void> retry(KafkaConsumerRecord<String, String> r, String original, int attempt, String error) {
    // Doubling, capped: the retries of one record span a PostgreSQL restart (tens of seconds) before it is dead.
    long notBefore = System.currentTimeMillis() + Math.min(MAX_BACKOFF_MS, baseBackoffMs * (1L << Math.min(attempt - 1, 10)));
    KafkaProducerRecord<String, String> out = KafkaProducerRecord.create(retryTopic, r.key(), r.value());
    out.addHeader(H_ATTEMPT, String.valueOf(attempt)).addHeader(H_NOT_BEFORE, String.valueOf(notBefore))
        .addHeader(H_ORIGINAL_TOPIC, original).addHeader(H_CONSUMER, name).addHeader(H_ERROR, truncate(error));
    return producer.send(out).mapEmpty();
  }

  private Future<Void> deadLetter(KafkaConsumerRecord<String, String> r, String original, int attempts, String error) {
    KafkaProducerRecord<String, String> out = KafkaProducerRecord.create(Topics.dlq(original, name), r.key(), r.value());
    out.addHeader(H_ATTEMPT, String.valueOf(attempts)).addHeader(H_ORIGINAL_TOPIC, original)
        .addHeader(H_CONSUMER, name).addHeader(H_ERROR, truncate(error));
    return producer.send(out).mapEmpty();
  }

  private Future<Void> delay(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), id -> p.complete());
    return p.future();
  }

  static String header(KafkaConsumerRecord<String, String> r, String name, String fallback) {
    List<KafkaHeader> found = new ArrayList<>();
    r.headers().forEach(h -> {
      if (h.key().equals(name)) {
        found.add(h);
      }
    });
    return found.isEmpty() ? fallback : found.get(found.size() - 1).value().toString(StandardCharsets.UTF_8);
  }

  private static int intHeader(KafkaConsumerRecord<String, String> r, String name, int fallback) {
    return Integer.parseInt(header(r, name, String.valueOf(fallback)));
  }

  private static long longHeader(KafkaConsumerRecord<String, String> r, String name, long fallback) {
    return Long.parseLong(header(r, name, String.valueOf(fallback)));
  }

  private static String truncate(String s) {
    return s.length() > 500 ? s.substring(0, 500) : s;
  }

  public Future<Void> stop() {
    return Future.join(loop.stop(), producer.close(2000)).otherwiseEmpty().mapEmpty();
  }
}
