package io.flashsale.infra;

import io.flashsale.support.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(TestInfra.class)
@DisplayName("The app's table upkeep (autovacuum's work where the server does none)")
class TableUpkeepIT {

  private Vertx vertx;
  private Pool pool;
  private String table;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    pool = PgConfig.from(TestInfra.config()).pool(vertx, "test", 1);
    table = uniqueId("stats_probe").replace('-', '_');
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.query("drop table if exists " + table).execute().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Object stat(String column) {
    return stat(table, column);
  }

  private Object stat(String relation, String column) {
    try {
      return pool.preparedQuery("select " + column + " from pg_stat_user_tables where relname = $1")
          .execute(io.vertx.sqlclient.Tuple.of(relation)).await(10, TimeUnit.SECONDS).iterator().next().getValue(0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * The probe table, out of autovacuum's reach: on a server with autovacuum on, it must not do the app's work first
   * (its runs show as last_auto*, the app's as last_vacuum / last_analyze).
   */
  private void createProbe(String columns) throws Exception {
    pool.query("create table " + table + " (" + columns + ") with (autovacuum_enabled = false)").execute()
        .await(10, TimeUnit.SECONDS);
  }

  private void deployUpkeep() throws Exception {
    AppConfig config = TestInfra.config().with(new JsonObject().put("pg.upkeep", "always")
        .put("pg.upkeepCheckMillis", 100));
    vertx.deployVerticle(new TableUpkeepVerticle(config)).await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("ANALYZEs a table that grew past autovacuum's threshold, so generic plans are made again from its size")
  void analyzesAGrownTable() throws Exception {
    createProbe("id int primary key");
    pool.query("insert into " + table + " select generate_series(1, 5000)").execute().await(10, TimeUnit.SECONDS);
    assertThat(stat("last_analyze")).isNull();

    deployUpkeep();

    // (the server's statistics counters reach pg_stat_user_tables within about a second of the insert)
    waitUntil(Duration.ofSeconds(30), () -> stat("last_analyze") != null, "the probe table analyzed");
    long rows = pool.preparedQuery("select reltuples::bigint from pg_class where relname = $1")
        .execute(io.vertx.sqlclient.Tuple.of(table)).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    assertThat(rows).isEqualTo(5000);
  }

  @Test
  @DisplayName("Analyzes a changed table again only after autovacuum's naptime, unless it has more than doubled")
  void pacesAnalyzesLikeAutovacuum() throws Exception {
    long naptime = pool.query("select setting::bigint from pg_settings where name = 'autovacuum_naptime'").execute()
        .await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    assumeTrue(naptime >= 30, "the server's autovacuum_naptime is long enough to watch a look inside it");
    createProbe("id int primary key");
    insert(table, 1, 5000);
    deployUpkeep();
    waitUntil(Duration.ofSeconds(30), () -> stat("last_analyze") != null, "the probe table analyzed");
    Object firstAnalyze = stat("last_analyze");

    // 1,000 rows more: past autovacuum's analyze threshold (50 + 10 %), far from doubled, well inside the naptime
    insert(table, 5001, 6000);
    waitUntil(Duration.ofSeconds(30), () -> ((Number) stat("n_mod_since_analyze")).longValue() >= 1000,
        "the changes counted by the server");
    // A second, new table is analyzed at the next look: that look saw the first one's changes and left it alone.
    String witness = table + "_w";
    pool.query("create table " + witness + " (id int primary key) with (autovacuum_enabled = false)").execute()
        .await(10, TimeUnit.SECONDS);
    try {
      insert(witness, 1, 100);
      waitUntil(Duration.ofSeconds(30), () -> stat(witness, "last_analyze") != null, "the witness table analyzed");
      // (on a box so slow that the naptime itself has passed by now, a new analyze would be right: nothing to see)
      assumeTrue(secondsBetween(firstAnalyze, stat(witness, "last_analyze")) < Math.min(naptime, 60),
          "the look came inside the naptime");
      assertThat(stat("last_analyze")).isEqualTo(firstAnalyze);
    } finally {
      pool.query("drop table if exists " + witness).execute().await(10, TimeUnit.SECONDS);
    }

    // Past twice the rows its statistics were made for: its plans may be a small table's, so it is analyzed at once —
    // inside the naptime, which a broken doubling rule would wait out (on a box too slow to leave room: nothing to see).
    assumeTrue(secondsBetween(firstAnalyze, null) < Math.min(naptime, 60) - 10, "room left inside the naptime");
    insert(table, 6001, 12000);
    waitUntil(Duration.ofSeconds(30), () -> !firstAnalyze.equals(stat("last_analyze")), "the grown table analyzed again");
    assertThat(secondsBetween(firstAnalyze, stat("last_analyze"))).as("analyzed for its growth, not its naptime")
        .isLessThan(Math.min(naptime, 60));
  }

  /** Seconds from {@code from} to {@code to} (timestamps PostgreSQL gave; {@code null}: the server's now). */
  private double secondsBetween(Object from, Object to) throws Exception {
    return pool.preparedQuery("select extract(epoch from coalesce($2::timestamptz, now()) - $1::timestamptz)::float8")
        .execute(io.vertx.sqlclient.Tuple.of(from, to)).await(10, TimeUnit.SECONDS).iterator().next().getDouble(0);
  }

  private void insert(String into, int from, int to) throws Exception {
    pool.query("insert into " + into + " select generate_series(" + from + ", " + to + ")").execute()
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("VACUUMs a table whose dead rows passed autovacuum's threshold, so its pages are used again")
  void vacuumsDeadRows() throws Exception {
    createProbe("id int primary key, n int");
    pool.query("insert into " + table + " select generate_series(1, 5000), 0").execute().await(10, TimeUnit.SECONDS);
    pool.query("analyze " + table).execute().await(10, TimeUnit.SECONDS);
    pool.query("update " + table + " set n = 1").execute().await(10, TimeUnit.SECONDS); // 5,000 dead versions
    waitUntil(Duration.ofSeconds(30), () -> ((Number) stat("n_dead_tup")).longValue() >= 5000,
        "the dead rows counted by the server");
    assertThat(stat("last_vacuum")).isNull();

    deployUpkeep();

    waitUntil(Duration.ofSeconds(30), () -> stat("last_vacuum") != null, "the probe table vacuumed");
    assertThat(((Number) stat("n_dead_tup")).longValue()).isZero();
  }

  @Test
  @DisplayName("Refuses to start on a pg.upkeep it does not know")
  void refusesABadMode() {
    AppConfig config = TestInfra.config().with(new JsonObject().put("pg.upkeep", "sometimes"));
    assertThatThrownBy(() -> vertx.deployVerticle(new TableUpkeepVerticle(config)).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("pg.upkeep must be auto, always or never");
  }
}
