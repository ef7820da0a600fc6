package io.flashsale.admission;

/** The SQL text of the waiting rooms, in one place. */
final class QueueSql {

  private QueueSql() {
  }

  /** Every event that has (or had) a waiting room and has not long ended, with its products in display order. */
  static final String ROOMS = """
      select e.event_id, e.starts_at, e.ends_at, e.queue, e.queue_version,
        coalesce((select array_agg(i.product_id order by i.position) from event_items i
                  where i.event_id = e.event_id), '{}')
      from events e where e.queue_version > 0 and e.ends_at > now() - interval '10 minutes'""";

  /**
   * An operator's switches: merged into the room's settings, with a new version (so every instance's Redis sync takes
   * it) and, for "queue everyone", a new generation.
   */
  static final String SWITCH = """
      update events set queue = queue || $2::jsonb
          || case when $3 then jsonb_build_object('generation', coalesce((queue ->> 'generation')::bigint, 0) + 1)
             else '{}'::jsonb end,
        queue_version = queue_version + 1
      where event_id = $1 and queue is not null and (queue ->> 'enabled')::boolean
      returning event_id, starts_at, ends_at, queue, queue_version,
        coalesce((select array_agg(i.product_id order by i.position) from event_items i
                  where i.event_id = $1), '{}')""";

  /** One event's room, for an operator's read (fresher than the registry right after an upsert). */
  static final String ROOM = """
      select e.event_id, e.starts_at, e.ends_at, e.queue, e.queue_version,
        coalesce((select array_agg(i.product_id order by i.position) from event_items i
                  where i.event_id = e.event_id), '{}')
      from events e where e.event_id = $1""";

  static final String EVENT_EXISTS = "select 1 from events where event_id = $1";
}
