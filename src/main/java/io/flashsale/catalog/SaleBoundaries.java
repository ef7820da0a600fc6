package io.flashsale.catalog;

import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Announces sale boundaries: every event whose {@code startsAt} or {@code endsAt} passed since the boundary clock gets
 * a new version — and so do its products' views — with an {@code EventBoundary} outbox row, in one transaction that
 * also moves the clock. Views show what is open "now", so the moment a sale opens or closes is a change like a write:
 * their versions move, the projector rebuilds them, and an old ETag no longer matches. One instance at a time does it
 * (the clock row's lock, skip-locked); a missed boundary (downtime) is announced on the next run.
 */
public final class SaleBoundaries {

  public static final String EVENT_BOUNDARY = "EventBoundary";

  private final Pool pool;
  private final Topics topics;

  public SaleBoundaries(Pool pool, Topics topics) {
    this.pool = pool;
    this.topics = topics;
  }

  /** Announces the boundaries passed since the last run; answers how many events crossed one (0 if another ran). */
  public Future<Integer> announce() {
    return pool.withTransaction(tx -> tx.query(CatalogSql.CLAIM_BOUNDARY_CLOCK).execute().compose(clock -> {
      if (clock.size() == 0) {
        return Future.succeededFuture(0); // another instance is announcing right now
      }
      Row c = clock.iterator().next();
      return tx.preparedQuery(CatalogSql.EVENTS_CROSSING).execute(Tuple.of(c.getOffsetDateTime(0)))
          // Nothing crossed: the clock stays (the next window starts from it just the same) — no write per tick.
          .compose(crossing -> crossing.size() == 0 ? Future.succeededFuture(0) : announce(tx, crossing));
    }));
  }

  /** Milliseconds until the next sale opens or closes, or {@code null} when none is scheduled. */
  public Future<Long> nextBoundaryInMillis() {
    return pool.query(CatalogSql.NEXT_BOUNDARY_IN).execute().map(rs -> rs.iterator().next().getLong(0));
  }

  private Future<Integer> announce(SqlConnection tx, io.vertx.sqlclient.RowSet<Row> crossing) {
    Map<String, JsonObject> events = new LinkedHashMap<>();
    crossing.forEach(r -> events.put(r.getString("event_id"), new JsonObject().put("eventId", r.getString("event_id"))
        .put("startsAt", r.getOffsetDateTime("starts_at").toInstant().toString())
        .put("endsAt", r.getOffsetDateTime("ends_at").toInstant().toString())));
    String[] ids = events.keySet().toArray(String[]::new);
    // Lock order: products (their views change too) before events.
    return tx.preparedQuery(CatalogSql.LOCK_PRODUCTS_OF_EVENTS).execute(Tuple.of((Object) ids))
        .compose(locked -> tx.preparedQuery(CatalogSql.BUMP_PRODUCTS_OF_EVENTS).execute(Tuple.of((Object) ids)))
        .compose(products -> {
          Map<String, JsonArray> affected = new LinkedHashMap<>();
          products.forEach(r -> affected.computeIfAbsent(r.getString(0), k -> new JsonArray()).add(r.getString(1)));
          return tx.preparedQuery(CatalogSql.BUMP_EVENTS_RETURNING).execute(Tuple.of((Object) ids)).compose(bumped -> {
            List<OutboxEvent> out = new ArrayList<>();
            bumped.forEach(r -> {
              String eventId = r.getString(0);
              out.add(OutboxEvent.of(topics.events(), "event", eventId, EVENT_BOUNDARY, r.getLong(1),
                  events.get(eventId).put("affectedProductIds", affected.getOrDefault(eventId, new JsonArray()))));
            });
            return OutboxStore.append(tx, out);
          });
        })
        .compose(x -> tx.query(CatalogSql.MOVE_BOUNDARY_CLOCK).execute())
        .map(events.size());
  }
}
