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

@ExtendWith(TestInfra.class)
@DisplayName("The app's table statistics upkeep")
class TableStatisticsIT {

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

  private Object lastAnalyze() throws Exception {
    return pool.preparedQuery("select last_analyze from pg_stat_user_tables where relname = $1")
        .execute(io.vertx.sqlclient.Tuple.of(table)).await(10, TimeUnit.SECONDS).iterator().next().getValue(0);
  }

  @Test
  @DisplayName("ANALYZEs a table that grew past autovacuum's threshold, so generic plans are made again from its size")
  void analyzesAGrownTable() throws Exception {
    pool.query("create table " + table + " (id int primary key)").execute().await(10, TimeUnit.SECONDS);
    pool.query("insert into " + table + " select generate_series(1, 5000)").execute().await(10, TimeUnit.SECONDS);
    assertThat(lastAnalyze()).isNull();

    AppConfig config = TestInfra.config().with(new JsonObject().put("pg.analyze", "always")
        .put("pg.analyzeCheckMillis", 100));
    vertx.deployVerticle(new TableStatisticsVerticle(config)).await(10, TimeUnit.SECONDS);

    // (the server's statistics counters reach pg_stat_user_tables within about a second of the insert)
    waitUntil(Duration.ofSeconds(30), () -> {
      try {
        return lastAnalyze() != null;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, "the probe table analyzed");
    long rows = pool.preparedQuery("select reltuples::bigint from pg_class where relname = $1")
        .execute(io.vertx.sqlclient.Tuple.of(table)).await(10, TimeUnit.SECONDS).iterator().next().getLong(0);
    assertThat(rows).isEqualTo(5000);
  }

  @Test
  @DisplayName("Refuses to start on a pg.analyze it does not know")
  void refusesABadMode() {
    AppConfig config = TestInfra.config().with(new JsonObject().put("pg.analyze", "sometimes"));
    assertThatThrownBy(() -> vertx.deployVerticle(new TableStatisticsVerticle(config)).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("pg.analyze must be auto, always or never");
  }
}
