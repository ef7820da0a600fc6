package io.flashsale.order;

import io.flashsale.support.MigrationSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Migration V11 moves every order's history out of {@code order_history} into the order's own row and drops the
 * table: in a schema of its own at V10, with orders in each life cycle, nothing of a history may be lost.
 */
@DisplayName("Migration V11: histories already written move into their orders' rows, none lost")
class HistoryMigrationIT {

  private static final String SCHEMA = "migration_v11_test";
  private static final MigrationSchema DB = new MigrationSchema(SCHEMA);

  @BeforeAll
  static void freshSchema() throws Exception {
    DB.drop();
  }

  @AfterAll
  static void dropSchema() throws Exception {
    DB.drop();
  }

  @Test
  @DisplayName("Orders confirmed, cancelled, failed and still pending read the same history after V11")
  void historiesMoveIntoTheirRows() throws Exception {
    DB.migrateTo("10");
    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      for (String id : new String[] {"confirmed", "cancelled", "failed", "pending"}) {
        s.execute("insert into checkouts (checkout_id, user_id, status, subtotal, total, expires_at)"
            + " values ('co-" + id + "', 'u', 'CONFIRMED', 100, 100, now())");
        s.execute("insert into orders (order_id, checkout_id, user_id, status, saga_step, subtotal, total, created_at)"
            + " values ('" + id + "', 'co-" + id + "', 'u', 'PENDING', 'STARTED', 100, 100,"
            + " '2026-12-04T10:00:00Z')");
        s.execute("insert into order_history (order_id, status, at) values ('" + id + "', 'PENDING',"
            + " '2026-12-04T10:00:00Z')");
      }
      s.execute("insert into order_history (order_id, status, at) values"
          + " ('confirmed', 'CONFIRMED', '2026-12-04T10:00:01Z'),"
          + " ('cancelled', 'CONFIRMED', '2026-12-04T10:00:02Z'), ('cancelled', 'CANCELLED', '2026-12-04T10:05:00Z'),"
          + " ('failed', 'FAILED', '2026-12-04T10:00:03Z')");
    }

    DB.migrateTo("11");

    try (Connection c = DB.connect(); Statement s = c.createStatement()) {
      s.execute("set timezone = 'UTC'");
      assertThat(times(s, "confirmed")).isEqualTo("2026-12-04 10:00:01+00 | null | null");
      assertThat(times(s, "cancelled")).isEqualTo("2026-12-04 10:00:02+00 | null | 2026-12-04 10:05:00+00");
      assertThat(times(s, "failed")).isEqualTo("null | 2026-12-04 10:00:03+00 | null");
      assertThat(times(s, "pending")).isEqualTo("null | null | null");
      try (ResultSet r = s.executeQuery("select to_regclass('" + SCHEMA + ".order_history') is null")) {
        r.next();
        assertThat(r.getBoolean(1)).as("order_history is gone").isTrue();
      }
    }
  }

  private static String times(Statement s, String orderId) throws Exception {
    try (ResultSet r = s.executeQuery("select confirmed_at::text, failed_at::text,"
        + " cancelled_at::text from orders where order_id = '" + orderId + "'")) {
      if (!r.next()) {
        throw new AssertionError("no order " + orderId);
      }
      return r.getString(1) + " | " + r.getString(2) + " | " + r.getString(3);
    }
  }
}
