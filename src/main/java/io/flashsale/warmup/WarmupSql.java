package io.flashsale.warmup;

/** The warm-up's queries: which events to warm and how many views that is. */
final class WarmupSql {

  static final String UPCOMING = """
      select event_id from events where starts_at <= $1 and ends_at > $2 order by starts_at""";

  static final String NOT_ENDED = "select event_id from events where ends_at > $1 order by starts_at";

  static final String KNOWN_EVENTS = "select event_id from events where event_id = any($1)";

  static final String COUNT_ITEMS = "select count(*) from event_items where event_id = any($1)";

  private WarmupSql() {
  }
}
