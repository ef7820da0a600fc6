package io.flashsale.outbox;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

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
    List<Tuple> rows = events.stream().map(e -> Tuple.of(e.eventId(), e.topic(), e.aggregateType(), e.aggregateId(),
        e.type(), e.version(), e.payload(), e.occurredAt().atOffset(ZoneOffset.UTC)).addString(e.traceparent()))
        .toList();
    return tx.preparedQuery(OutboxSql.APPEND).executeBatch(rows).mapEmpty();
  }

  public static Future<Long> countPending(SqlClient client) {
    return client.query(OutboxSql.COUNT_PENDING).execute().map(rs -> rs.iterator().next().getLong(0));
  }
}
