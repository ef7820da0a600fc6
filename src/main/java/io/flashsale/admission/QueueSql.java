package io.flashsale.admission;

/** The SQL text of the waiting rooms, in one place. */
final class QueueSql {

  private QueueSql() {
  }

  /** A room as {@link Rooms#from} reads it: the event's window, its settings and version, its products in order. */
  private static final String ROOM_COLUMNS = """
      e.event_id, e.starts_at, e.ends_at, e.queue, e.queue_version,
        coalesce((select array_agg(i.product_id order by i.position) from event_items i
                  where i.event_id = e.event_id), '{}')""";

  /** Every event that has (or had) a waiting room and has not long ended. */
  static final String ROOMS = "select " + ROOM_COLUMNS
      + " from events e where e.queue_version > 0 and e.ends_at > now() - interval '10 minutes'";

  /**
   * An operator's switches: merged into the room's settings, with a new version (so every instance's Redis sync takes
   * it) and, for "queue everyone", a new generation.
   */
  static final String SWITCH = """
      update events e set queue = queue || $2::jsonb
          || case when $3 then jsonb_build_object('generation', coalesce((queue ->> 'generation')::bigint, 0) + 1)
             else '{}'::jsonb end,
        queue_version = queue_version + 1
      where event_id = $1 and queue is not null and (queue ->> 'enabled')::boolean
      returning""" + " " + ROOM_COLUMNS;

  /** One event's room, for an operator's read (fresher than the registry right after an upsert). */
  static final String ROOM = "select " + ROOM_COLUMNS + " from events e where e.event_id = $1";

  static final String EVENT_EXISTS = "select 1 from events where event_id = $1";
}
