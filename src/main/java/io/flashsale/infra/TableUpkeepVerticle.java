package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Autovacuum's work, where the server does none. The order path's statements are prepared once per connection and
 * PostgreSQL keeps their generic plans; a plan made while a table was nearly empty (a sequential scan of a few pages)
 * is made again only when ANALYZE changes the table's statistics. And every order leaves dead row versions behind
 * (a checkout, an order twice, a key, a payment updated) that only VACUUM takes away. Autovacuum does both as tables
 * change; on a server with autovacuum off the order path ends up scanning whole tables of orders and payments
 * (measured 2026-12-04 on a fresh database: 232 against 849 orders/s, PostgreSQL CPU per order 6.4 against 1.0 ms)
 * and its tables and indexes only grow. Forcing a custom plan per execution instead cost 30 % more PostgreSQL CPU per
 * order.
 *
 * <p>So, one per process: with {@code pg.upkeep} {@code auto} (the default) and autovacuum off on the server, or with
 * {@code always}, every {@code pg.upkeepCheckMillis} it VACUUMs each of our tables with more dead rows than the
 * server's own autovacuum vacuum threshold, and ANALYZEs each changed past its analyze threshold
 * ({@code autovacuum_*_threshold} + {@code autovacuum_*_scale_factor} × rows): the thresholds autovacuum would use.
 * Like autovacuum, it analyzes a table at most once per {@code autovacuum_naptime} (at most 60 s, its default: a server
 * with autovacuum off may carry any value) — an ANALYZE sorts a sample of up to 30,000 rows per column whatever
 * changed, and run at every look (5 s) on tables that grow by an order a millisecond it was a fifth of PostgreSQL's
 * CPU in an order storm — except a table that has more than doubled (past its analyze threshold) since its size was
 * last taken, by an ANALYZE or a VACUUM: that is the case of a plan made for a nearly empty table, and it costs a
 * handful of (small) ANALYZEs over a table's life. A VACUUM's cost follows the dead rows, not how often it runs, so
 * it is not paced.
 */
public final class TableUpkeepVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TableUpkeepVerticle.class);

  /**
   * Our tables past autovacuum's own thresholds, each with whether it needs a vacuum and whether an analyze; the most
   * changed first. An analyze is due past its threshold once per naptime (60 s at most), or at once when the table has
   * more than doubled since its size was last taken (or was never analyzed).
   */
  static final String DUE_TABLES = """
      with t as (
        select s.relname, s.n_dead_tup + s.n_mod_since_analyze as changed,
          s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
            + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0) as needs_vacuum,
          s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
            + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
          and (coalesce(greatest(s.last_analyze, s.last_autoanalyze), '-infinity') < now()
                 - least(60, (select setting::float8 from pg_settings where name = 'autovacuum_naptime'))
                   * interval '1 second'
               or s.n_live_tup > 2 * greatest(c.reltuples, 0)
                 + current_setting('autovacuum_analyze_threshold')::float8) as needs_analyze
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid
        where s.schemaname = current_schema())
      select relname, needs_vacuum, needs_analyze from t where needs_vacuum or needs_analyze order by changed desc""";

  private final AppConfig config;
  private Pool pool;
  private long timer = -1;
  private boolean running;

  public TableUpkeepVerticle(AppConfig config) {
    this.config = config;
  }

  /** {@code pg.upkeep}: whether the app vacuums and analyzes — always, never, or auto (where autovacuum is off). */
  enum Mode {
    AUTO, ALWAYS, NEVER;

    static Mode of(String value) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(value)) {
          return m;
        }
      }
      throw new IllegalArgumentException("pg.upkeep must be auto, always or never, not '" + value + "'");
    }

    boolean keepsTables(boolean autovacuumOn) {
      return this == ALWAYS || (this == AUTO && !autovacuumOn);
    }
  }

  @Override
  public Future<?> start() {
    Mode mode = Mode.of(config.string("pg.upkeep"));
    if (mode == Mode.NEVER) {
      return Future.succeededFuture();
    }
    // (an upkeep of a table another instance is already keeping waits at most a second, then is skipped)
    pool = PgConfig.from(config).pool(vertx, "pg-table-upkeep", 1, Map.of("lock_timeout", "1000"));
    return pool.query("select current_setting('autovacuum')::bool").execute().map(rs -> {
      boolean autovacuum = rs.iterator().next().getBoolean(0);
      if (mode.keepsTables(autovacuum)) {
        if (!autovacuum) {
          LOG.warn("autovacuum is off on this PostgreSQL server: flashsale vacuums and analyzes its own tables as"
              + " they change (pg.upkeep=auto); turn autovacuum on in production");
        }
        long every = config.integer("pg.upkeepCheckMillis");
        timer = vertx.setPeriodic(every, every, id -> check());
      }
      return null;
    });
  }

  /** One look at the tables; a look still running when the next is due is not doubled. */
  private void check() {
    if (running) {
      return;
    }
    running = true;
    pool.query(DUE_TABLES).execute()
        .compose(rs -> {
          Future<Void> each = Future.succeededFuture();
          for (Row r : rs) { // one after another, on the one connection
            String statement = statement(r.getBoolean(1), r.getBoolean(2), r.getString(0));
            each = each.compose(x -> run(statement));
          }
          return each;
        })
        .onFailure(err -> LOG.warn("looking for tables to vacuum or analyze failed, looked at again shortly: {}",
            err.toString()))
        .onComplete(x -> running = false);
  }

  private Future<Void> run(String statement) {
    long started = System.nanoTime();
    return pool.query(statement).execute().<Void>mapEmpty()
        .onSuccess(x -> LOG.debug("{} took {} ms", statement, (System.nanoTime() - started) / 1_000_000))
        .recover(err -> {
          if (err instanceof PgException pg && "55P03".equals(pg.getSqlState())) {
            LOG.debug("{} skipped: another instance is keeping that table", statement);
          } else {
            LOG.warn("{} failed, tried again at the next look: {}", statement, err.toString());
          }
          return Future.succeededFuture(); // the next tables still get theirs
        });
  }

  /** The upkeep a due table gets: a vacuum, an analyze, or both in one statement. */
  static String statement(boolean vacuum, boolean analyze, String table) {
    return (vacuum ? (analyze ? "vacuum (analyze) " : "vacuum ") : "analyze ") + quoted(table);
  }

  static String quoted(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
