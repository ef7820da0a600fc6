package io.flashsale.outbox;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/** Appends domain events to the outbox inside the caller's transaction. */
public final class OutboxStore {

  private OutboxStore() {
  }

  /** Appends the events with the connection of the transaction that made the change. */
  public static Future<Void> append(SqlClient tx, List<OutboxEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    // One statement for all of them (a batch's events): PostgreSQL parses and plans once, not once per row.
    return tx.preparedQuery(OutboxSql.APPEND).execute(Tuple.wrap(new Object[] {
        events.stream().map(e -> e.eventId().toString()).toArray(String[]::new),
        events.stream().map(OutboxEvent::topic).toArray(String[]::new),
        events.stream().map(OutboxEvent::aggregateType).toArray(String[]::new),
        events.stream().map(OutboxEvent::aggregateId).toArray(String[]::new),
        events.stream().map(OutboxEvent::type).toArray(String[]::new),
        events.stream().map(OutboxEvent::version).toArray(Long[]::new),
        events.stream().map(e -> e.payload().encode()).toArray(String[]::new),
        events.stream().map(e -> e.occurredAt().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new),
        events.stream().map(OutboxEvent::traceparent).toArray(String[]::new)})).mapEmpty();
  }

  public static Future<Long> countPending(SqlClient client) {
    return client.query(OutboxSql.COUNT_PENDING).execute().map(rs -> rs.iterator().next().getLong(0));
  }
}
