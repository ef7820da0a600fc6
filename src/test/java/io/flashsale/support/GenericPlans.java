package io.flashsale.support;

import io.flashsale.infra.PgConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plan PostgreSQL keeps for a statement of ours (its generic plan, as the app's connections keep them), made in a
 * schema of its own whose copies of the checkout and order tables — same columns, same indexes, partial ones included
 * — hold 50,000 settled rows each and statistics that say none is HELD or PENDING: the state in which a partial index
 * of active rows looks cheapest to the planner. A test class registers it ({@code @RegisterExtension static}); the schema
 * lives for the class.
 */
public final class GenericPlans implements BeforeAllCallback, AfterAllCallback {

  private static final String[] TABLES = {"checkouts", "checkout_items", "orders"};
  private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");

  private String schema;
  private Connection connection;

  /** The settled tables in a schema named after the test class (dropped first if there). */
  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    schema = "plans_" + context.getRequiredTestClass().getName().replace('.', '_').toLowerCase(java.util.Locale.ROOT);
    PgConfig pg = PgConfig.from(TestInfra.config());
    Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    try (Statement s = c.createStatement()) {
      String home;
      try (ResultSet rs = s.executeQuery("select current_schema()")) {
        rs.next();
        home = rs.getString(1);
      }
      s.execute("drop schema if exists " + schema + " cascade");
      s.execute("create schema " + schema);
      for (String table : TABLES) {
        // The indexes under their own names (LIKE would rename them), so a plan names the index the app's would.
        s.execute("create table " + schema + "." + table + " (like " + home + "." + table
            + " including all excluding indexes)");
        java.util.List<String> indexes = new java.util.ArrayList<>();
        try (ResultSet rs = s.executeQuery("select indexdef from pg_indexes where schemaname = '" + home
            + "' and tablename = '" + table + "'")) {
          while (rs.next()) {
            indexes.add(rs.getString(1).replace(" ON " + home + "." + table + " ", " ON " + schema + "." + table + " "));
          }
        }
        for (String index : indexes) {
          s.execute(index);
        }
      }
      s.execute("set search_path = " + schema);
      s.execute("""
          insert into checkouts (checkout_id, user_id, status, subtotal, discount, total, expires_at)
          select 'co-' || g, 'u-' || g, 'CONFIRMED', 100, 0, 100, now() from generate_series(1, 50000) g""");
      s.execute("""
          insert into checkout_items (checkout_id, product_id, position, quantity, unit_price)
          select 'co-' || g, 'p-' || (g % 50), 0, 1, 100 from generate_series(1, 50000) g""");
      s.execute("""
          insert into orders (order_id, checkout_id, user_id, status, saga_step, payment_status, subtotal, discount,
                              total, created_at)
          select 'o-' || g, 'co-' || g, 'u-' || g, 'CONFIRMED', 'DONE', 'CAPTURED', 100, 0, 100, now()
          from generate_series(1, 50000) g""");
      for (String table : TABLES) {
        s.execute("analyze " + table);
      }
      s.execute("set plan_cache_mode = force_generic_plan");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    connection = c;
  }

  /**
   * Fails unless the kept plan of {@code sql} looks its rows up by one of {@code keys} (indexes of ids) — no partial
   * index filtered by id, no whole-table read — while the same statement with its status parameter ({@code parameter},
   * e.g. {@code "$2"}) written as the literal {@code status} reads {@code partialIndex} on these tables: the control that
   * shows the parameter is what keeps the keyed plan.
   */
  public void assertKeyed(String sql, String parameter, String status, String partialIndex, String... keys)
      throws SQLException {
    assertThat(plan(sql.replace(parameter, status))).as("the control: " + status + " written into " + sql)
        .contains(partialIndex);
    assertThat(plan(sql)).as(sql).doesNotContain(partialIndex)
        .doesNotContain("Seq Scan on orders").doesNotContain("Seq Scan on checkouts")
        .matches(plan -> java.util.Arrays.stream(keys).anyMatch(plan::contains), "reads " + String.join(" or ", keys));
  }

  /** The kept plan of {@code sql}, as EXPLAIN prints it. */
  public String plan(String sql) throws SQLException {
    int parameters = 0;
    Matcher m = PARAMETER.matcher(sql);
    while (m.find()) {
      parameters = Math.max(parameters, Integer.parseInt(m.group(1)));
    }
    StringBuilder out = new StringBuilder();
    try (Statement s = connection.createStatement()) {
      s.execute("prepare probe as " + sql);
      try (ResultSet rs = s.executeQuery("explain execute probe(" + String.join(", ",
          java.util.Collections.nCopies(parameters, "null")) + ")")) {
        while (rs.next()) {
          out.append(rs.getString(1)).append('\n');
        }
      } finally {
        s.execute("deallocate probe");
      }
    }
    return out.toString();
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("drop schema if exists " + schema + " cascade");
    } finally {
      connection.close();
    }
  }
}
