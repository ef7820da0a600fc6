package io.flashsale.outbox;

import io.flashsale.infra.Tracing;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;

/**
 * A domain event as written to the outbox and published to Kafka. Its JSON envelope is
 * {@code {"eventId","type","aggregateType","aggregateId","version","occurredAt","payload"}}; {@code traceparent} (the
 * trace context of the request that caused it, or {@code null}) travels beside it, as the record's header.
 */
public record OutboxEvent(UUID eventId, String topic, String aggregateType, String aggregateId, String type,
                          long version, Instant occurredAt, JsonObject payload, String traceparent) {

  /** A new event, in the trace of the request that is current (if tracing is on). */
  public static OutboxEvent of(String topic, String aggregateType, String aggregateId, String type, long version,
                               JsonObject payload) {
    return new OutboxEvent(UUID.randomUUID(), topic, aggregateType, aggregateId, type, version, Instant.now(), payload,
        Tracing.traceparent());
  }

  /** The same event in another request's trace, or in none (a batch writes the events of many requests). */
  public OutboxEvent inTrace(String traceparent) {
    return new OutboxEvent(eventId, topic, aggregateType, aggregateId, type, version, occurredAt, payload, traceparent);
  }

  public JsonObject envelope() {
    return new JsonObject().put("eventId", eventId.toString()).put("type", type).put("aggregateType", aggregateType)
        .put("aggregateId", aggregateId).put("version", version).put("occurredAt", occurredAt.toString())
        .put("payload", payload);
  }

  public static OutboxEvent fromEnvelope(String topic, JsonObject env) {
    return new OutboxEvent(UUID.fromString(env.getString("eventId")), topic, env.getString("aggregateType"),
        env.getString("aggregateId"), env.getString("type"), env.getLong("version", 0L),
        Instant.parse(env.getString("occurredAt")), env.getJsonObject("payload", new JsonObject()), null);
  }
}
