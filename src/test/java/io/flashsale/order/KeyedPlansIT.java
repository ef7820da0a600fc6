package io.flashsale.order;

import io.flashsale.support.GenericPlans;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The order path's statements that find orders or checkouts by id and check a status look the ids up, even where the
 * statistics say no order is PENDING and no checkout HELD (a quiet hour; the first minute of a sale): they never read
 * the partial index of every pending order or active hold and filter it by id.
 */
@DisplayName("Order statements look their orders up by id, whatever the statistics say")
class KeyedPlansIT {

  @RegisterExtension
  static final GenericPlans PLANS = new GenericPlans();

  @Test
  @DisplayName("With a literal status the planner would read the partial index: the statistics make it look cheapest")
  void literalStatusReadsThePartialIndex() throws Exception {
    PLANS.assertReads("update orders set updated_at = now() where order_id = $1 and status = 'PENDING'",
        "orders_pending");
    PLANS.assertReads("select order_id from checkouts c join orders o using (checkout_id)"
        + " where c.checkout_id = any($1) and c.status = 'HELD'", "checkouts_active");
  }

  @Test
  @DisplayName("Placing, confirming, advancing and failing orders use the primary keys")
  void orderStatementsUseTheirKeys() throws Exception {
    for (String sql : new String[] {OrderSql.PLACE_FROM_CHECKOUTS, OrderSql.CONFIRM_WITH_STOCK, OrderSql.ADVANCE,
        OrderSql.CONFIRM, OrderSql.FAIL}) {
      PLANS.assertKeyed(sql);
    }
  }
}
