package io.flashsale.infra;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Planner statistics when the server keeps none. The order path's statements are prepared once per connection and
 * PostgreSQL keeps their generic plans; a plan made while a table was nearly empty (a sequential scan of a few pages)
 * is made again only when ANALYZE changes the table's statistics. Autovacuum does that as tables grow; a server with
 * autovacuum off never does, and the order path ends up scanning whole tables of orders and payments (measured
 * 2026-12-04: 232 against 793 orders/s, PostgreSQL CPU per order 6.4 against 1.0 ms). Forcing a custom plan per
 * execution instead cost 30 % more PostgreSQL CPU per order.
 *
 * <p>So, one per process: with {@code pg.analyze} {@code auto} (the default) and autovacuum off on the server, or with
 * {@code always}, every {@code pg.analyzeCheckMillis} it ANALYZEs each of our tables changed by more than the
 * server's own autovacuum threshold ({@code autovacuum_analyze_threshold} + {@code autovacuum_analyze_scale_factor}
 * × rows) since its last analyze: autovacuum's analyze, done by the app only where the server's is off.
 */
public final class TableStatisticsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(TableStatisticsVerticle.class);

  /** Our tables changed past autovacuum's own analyze threshold since their last analyze, most changed first. */
  static final String STALE_TABLES = """
      select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = current_schema()
        and s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
          + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
      order by s.n_mod_since_analyze desc""";

  private final AppConfig config;
  private Pool pool;
  private long timer = -1;
  private boolean running;
  private long analyzed;

  public TableStatisticsVerticle(AppConfig config) {
    this.config = config;
  }

  /** Whether the app keeps the statistics: {@code pg.analyze} is always, never, or auto (when autovacuum is off). */
  static boolean keepsStatistics(String mode, boolean autovacuumOn) {
    return switch (mode) {
      case "always" -> true;
      case "never" -> false;
      case "auto" -> !autovacuumOn;
      default -> throw new IllegalArgumentException("pg.analyze must be auto, always or never, not '" + mode + "'");
    };
  }

  @Override
  public Future<?> start() {
    String mode = config.string("pg.analyze");
    keepsStatistics(mode, true); // a bad value fails the start, whatever the server says
    if ("never".equals(mode)) {
      return Future.succeededFuture();
    }
    // (a second analyze of the same table waits at most a second for the first, then is skipped)
    pool = PgConfig.from(config).pool(vertx, "pg-table-statistics", 1, Map.of("lock_timeout", "1000"));
    return pool.query("select current_setting('autovacuum')::bool").execute().map(rs -> {
      boolean autovacuum = rs.iterator().next().getBoolean(0);
      if (keepsStatistics(mode, autovacuum)) {
        if (!autovacuum) {
          LOG.warn("autovacuum is off on this PostgreSQL server: flashsale analyzes its tables itself as they grow"
              + " (pg.analyze=auto); turn autovacuum on in production, it also vacuums");
        }
        long every = config.integer("pg.analyzeCheckMillis");
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
    pool.query(STALE_TABLES).execute()
        .compose(rs -> {
          List<String> tables = new ArrayList<>();
          for (Row r : rs) {
            tables.add(r.getString(0));
          }
          Future<Void> each = Future.succeededFuture();
          for (String table : tables) {
            each = each.compose(x -> analyze(table));
          }
          return each;
        })
        .onFailure(err -> LOG.warn("looking for tables to analyze failed, looked at again shortly: {}", err.toString()))
        .onComplete(x -> running = false);
  }

  private Future<Void> analyze(String table) {
    return pool.query("analyze " + quoted(table)).execute().<Void>mapEmpty()
        .onSuccess(x -> {
          analyzed++;
          LOG.debug("analyzed {} ({} analyzes so far)", table, analyzed);
        })
        .recover(err -> {
          LOG.debug("analyze of {} skipped: {}", table, err.toString()); // another instance's analyze holds it
          return Future.succeededFuture();
        });
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
