package io.flashsale.fanout;

/** The SQL text of the fan-out consumers' effects, in one place. Each row is keyed by the event that caused it. */
final class FanoutSql {

  static final String GRANT_POINTS = """
      insert into points_ledger (event_id, order_id, user_id, reason, points)
      select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[])
      on conflict do nothing""";

  static final String STORE_NOTIFICATIONS = """
      insert into notifications (event_id, channel, user_id, subject, body)
      select e, 'EMAIL', u, s, b from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) as t(e, u, s, b)
      on conflict do nothing""";

  private FanoutSql() {
  }
}
