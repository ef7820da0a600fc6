package io.flashsale.fanout;

import io.flashsale.infra.KafkaBatchConsumer;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
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
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The building block of every fan-out consumer: at-least-once delivery made effectively-once. A record already
 * applied (a Redis mark per consumer and event id) is skipped; the effect itself must be idempotent too (a unique
 * key in PostgreSQL, or a Lua script that checks and applies together), since the mark is written after it. A
 * failing record is retried through the consumer's retry topic with growing delays; after {@code maxAttempts} it goes
 * to {@code <topic>.dlq.<consumer>} with the error in its headers, and the consumer moves on. Offsets are committed only after
 * every record of a batch was applied, retried or dead-lettered.
 */
public final class IdempotentConsumer {

  /** The effect of one event; it must be idempotent. A failed future means "try again later". */
  public interface Effect {
    Future<Void> apply(OutboxEvent event);
  }

  public static final String H_ATTEMPT = "fs-attempt";
  public static final String H_NOT_BEFORE = "fs-not-before";
  public static final String H_ORIGINAL_TOPIC = "fs-original-topic";
  public static final String H_CONSUMER = "fs-consumer";
  public static final String H_ERROR = "fs-error";

  private static final Logger LOG = LoggerFactory.getLogger(IdempotentConsumer.class);
  private static final long MARK_TTL_SECONDS = Duration.ofDays(7).toSeconds();

  private final Vertx vertx;
  private final String name;
  private final KafkaProducer<String, String> producer;
  private final Redis redis;
  private final RedisKeys keys;
  private final String retryTopic;
  /** The longest pause between two attempts of one record. */
  static final long MAX_BACKOFF_MS = 30_000;

  private final int maxAttempts;
  private final long baseBackoffMs;
  private final Effect effect;
  private KafkaBatchConsumer loop;

  private IdempotentConsumer(Vertx vertx, String name, KafkaProducer<String, String> producer, Redis redis,
                             RedisKeys keys, String retryTopic, int maxAttempts, long baseBackoffMs, Effect effect) {
    this.vertx = vertx;
    this.name = name;
    this.producer = producer;
    this.redis = redis;
    this.keys = keys;
    this.retryTopic = retryTopic;
    this.maxAttempts = maxAttempts;
    this.baseBackoffMs = baseBackoffMs;
    this.effect = effect;
  }

  /** Starts consumer group {@code name} on {@code topics} (and its retry topic). */
  public static Future<IdempotentConsumer> start(Vertx vertx, KafkaConfig kafka, Topics topicNames, Redis redis,
                                                 RedisKeys keys, String name, List<String> topics, int maxAttempts,
                                                 long baseBackoffMs, Effect effect) {
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, kafka.producer("flashsale-" + name));
    String retry = topicNames.retry(name);
    IdempotentConsumer c = new IdempotentConsumer(vertx, name, producer, redis, keys, retry, maxAttempts,
        baseBackoffMs, effect);
    List<String> all = new ArrayList<>(topics);
    all.add(retry);
    // The shared poll → apply → commit loop; a batch fails only when the retry/DLQ hand-off does (Kafka down), and
    // then comes again — the effects are idempotent.
    return KafkaBatchConsumer.startRaw(vertx, kafka, name, all, c::handleBatch).map(loop -> {
      c.loop = loop;
      return c;
    });
  }

  private Future<Void> handleBatch(KafkaConsumerRecords<String, String> batch) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < batch.size(); i++) {
      KafkaConsumerRecord<String, String> r = batch.recordAt(i);
      chain = chain.compose(x -> handle(r));
    }
    return chain;
  }

  private Future<Void> handle(KafkaConsumerRecord<String, String> r) {
    int attempt = intHeader(r, H_ATTEMPT, 0);
    String original = header(r, H_ORIGINAL_TOPIC, r.topic());
    OutboxEvent event;
    try {
      event = OutboxEvent.fromEnvelope(original, new JsonObject(r.value()));
    } catch (RuntimeException e) {
      return deadLetter(r, original, maxAttempts, "unreadable record: " + e);
    }
    long wait = longHeader(r, H_NOT_BEFORE, 0) - System.currentTimeMillis();
    Future<Void> ready = wait <= 0 ? Future.succeededFuture() : delay(wait);
    String mark = keys.processed(name, event.eventId().toString());
    return ready.compose(x -> redis.send(Request.cmd(Command.EXISTS).arg(mark)).map(res -> res.toInteger() == 1)
            .otherwise(false))
        .compose(done -> {
          if (done) {
            return Future.succeededFuture();
          }
          Future<Void> applied;
          try {
            applied = effect.apply(event);
          } catch (RuntimeException e) {
            applied = Future.failedFuture(e);
          }
          return applied.transform(ar -> {
            if (ar.succeeded()) {
              return redis.send(Request.cmd(Command.SET).arg(mark).arg("1").arg("EX").arg(MARK_TTL_SECONDS))
                  .otherwiseEmpty().mapEmpty();
            }
            String error = String.valueOf(ar.cause());
            if (attempt + 1 >= maxAttempts) {
              LOG.warn("{}: event {} failed {} times, to the DLQ: {}", name, event.eventId(), attempt + 1, error);
              return deadLetter(r, original, attempt + 1, error);
            }
            return retry(r, original, attempt + 1, error);
          });
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
