package io.flashsale.order;

import io.flashsale.support.MigrationSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Migration V12 reads an order's lines from its checkout and keeps {@code order_items} as a view of them: in a schema
 * of its own at V11, the lines orders already have must read the same afterwards — and a table that does not match
 * its checkouts must be left as it is, the migration refused.
 */
@DisplayName("Migration V12: order lines read from the checkout, the same lines as before, or nothing changed")
class LinesMigrationIT {

  private static final MigrationSchema DB = new MigrationSchema("migration_v12_test");
  private static final String LINES = "select order_id || ' ' || product_id || ' ' || position || ' ' || quantity"
      + " || ' ' || unit_price || ' ' || coalesce(event_id, '-') from order_items order by 1";

  @BeforeEach
  void atV11() throws Exception {
    DB.drop();
    DB.migrateTo("11");
    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      s.execute("insert into products (product_id, name, brand, category, price) values"
          + " ('p1', 'a', 'b', 'c', 100), ('p2', 'a', 'b', 'c', 200)");
      for (String id : new String[] {"one", "two", "failed"}) {
        s.execute("insert into checkouts (checkout_id, user_id, status, subtotal, total, expires_at)"
            + " values ('co-" + id + "', 'u', 'CONFIRMED', 500, 500, now())");
        s.execute("insert into checkout_items (checkout_id, product_id, position, quantity, unit_price, event_id)"
            + " values ('co-" + id + "', 'p1', 0, 1, 100, 'ev'), ('co-" + id + "', 'p2', 1, 2, 200, null)");
      }
      // A failed attempt and the live order of one checkout both carry its lines.
      s.execute("insert into orders (order_id, checkout_id, user_id, status, saga_step, subtotal, total) values"
          + " ('o-one', 'co-one', 'u', 'CONFIRMED', 'DONE', 500, 500),"
          + " ('o-two', 'co-two', 'u', 'CONFIRMED', 'DONE', 500, 500),"
          + " ('o-failed', 'co-failed', 'u', 'FAILED', 'COMPENSATED', 500, 500),"
          + " ('o-retry', 'co-failed', 'u', 'CONFIRMED', 'DONE', 500, 500)");
      s.execute("insert into order_items (order_id, product_id, position, quantity, unit_price, event_id)"
          + " select o.order_id, ci.product_id, ci.position, ci.quantity, ci.unit_price, ci.event_id"
          + " from orders o join checkout_items ci on ci.checkout_id = o.checkout_id");
    }
  }

  @AfterEach
  void dropSchema() throws Exception {
    DB.drop();
  }

  @Test
  @DisplayName("Every order reads the lines it had, from its checkout; order_items is a view")
  void linesReadTheSame() throws Exception {
    List<String> before = lines();
    assertThat(before).hasSize(8);
    DB.migrateTo("12");
    assertThat(lines()).isEqualTo(before);
    assertThat(tableType()).isEqualTo("VIEW");
  }

  @Test
  @DisplayName("An instance not yet upgraded still places orders: its insert of the lines is taken and kept nowhere")
  void oldPlacementStillRuns() throws Exception {
    DB.migrateTo("12");
    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      s.execute("insert into checkouts (checkout_id, user_id, status, subtotal, total, expires_at)"
          + " values ('co-new', 'u', 'HELD', 100, 100, now() + interval '1 hour')");
      s.execute("insert into checkout_items (checkout_id, product_id, position, quantity, unit_price)"
          + " values ('co-new', 'p1', 0, 1, 100)");
      // The shape of the placement before V12: the order and, in the same statement, a copy of its lines.
      s.execute("""
          with o as (
            insert into orders (order_id, checkout_id, user_id, status, saga_step, subtotal, total)
            values ('o-new', 'co-new', 'u', 'PENDING', 'STARTED', 100, 100) returning order_id, checkout_id),
          i as (
            insert into order_items (order_id, product_id, position, quantity, unit_price, event_id)
            select o.order_id, ci.product_id, ci.position, ci.quantity, ci.unit_price, ci.event_id
            from o join checkout_items ci on ci.checkout_id = o.checkout_id)
          select count(*) from o""");
    }
    assertThat(lines()).contains("o-new p1 0 1 100 -").hasSize(9);
  }

  @Test
  @DisplayName("A line that differs from its checkout's refuses the migration and keeps the table as it was")
  void aDifferentLineRefuses() throws Exception {
    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      s.execute("update order_items set quantity = 3 where order_id = 'o-two' and product_id = 'p2'");
    }
    refused();
  }

  @Test
  @DisplayName("An order missing one of its checkout's lines refuses the migration too")
  void aMissingLineRefuses() throws Exception {
    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      s.execute("delete from order_items where order_id = 'o-retry' and product_id = 'p2'");
    }
    refused();
  }

  /** V12 fails, and leaves order_items a table with the rows it had, and no trace of V12 in the schema history. */
  private static void refused() throws Exception {
    List<String> before = lines();
    assertThatThrownBy(() -> DB.migrateTo("12")).hasStackTraceContaining("order_items differs");
    assertThat(lines()).as("the table's rows, untouched").isEqualTo(before);
    assertThat(tableType()).isEqualTo("BASE TABLE");
    try (Connection c = DB.connect(); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("select count(*) from flyway_schema_history where version = '12' and success")) {
      r.next();
      assertThat(r.getInt(1)).isZero();
    }
  }

  private static String tableType() throws Exception {
    try (Connection c = DB.connect(); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("select table_type from information_schema.tables"
             + " where table_schema = 'migration_v12_test' and table_name = 'order_items'")) {
      r.next();
      return r.getString(1);
    }
  }

  private static List<String> lines() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DB.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(LINES)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }
}
