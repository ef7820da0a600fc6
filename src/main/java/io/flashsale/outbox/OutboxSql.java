package io.flashsale.outbox;

/** The SQL text of the outbox, in one place. */
final class OutboxSql {

  /** Events, any number in one statement: one array per column, the event id and payload as text. */
  static final String APPEND = """
      insert into outbox (event_id, topic, aggregate_type, aggregate_id, event_type, version, payload, created_at,
                          traceparent)
      select t.event_id::uuid, t.topic, t.aggregate_type, t.aggregate_id, t.event_type, t.version, t.payload::jsonb,
             t.created_at, t.traceparent
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
                  $8::timestamptz[], $9::text[])
        as t(event_id, topic, aggregate_type, aggregate_id, event_type, version, payload, created_at, traceparent)""";

  /**
   * The relay's lock and the oldest pending rows, in one statement; no rows when another relay holds the lock. Only one
   * relay publishes at a time, so rows leave in commit order per aggregate even with many instances.
   */
  static final String CLAIM_PENDING = """
      with relay as (select pg_try_advisory_xact_lock(7313001) as ours)
      select o.id, o.event_id, o.topic, o.aggregate_type, o.aggregate_id, o.event_type, o.version, o.payload,
             o.created_at, o.traceparent
      from relay, outbox o where relay.ours and o.sent_at is null order by o.id limit $1 for update of o skip locked""";

  /** Sent rows leave in the transaction that published them: Kafka keeps the history, the table stays small. */
  static final String DELETE_SENT = "delete from outbox where id = any($1)";

  static final String COUNT_PENDING = "select count(*) from outbox where sent_at is null";

  /**
   * Rows waiting for Kafka (counted up to 1,000,001: past that the figure says "over a million") and the age of the
   * oldest, both through the pending-rows index, so a large backlog costs the probe no scan.
   */
  static final String BACKLOG = """
      select (select count(*) from (select 1 from outbox where sent_at is null limit 1000001) pending),
             coalesce((select extract(epoch from now() - created_at)::bigint from outbox where sent_at is null
                       order by id limit 1), 0)""";

  private OutboxSql() {
  }
}
