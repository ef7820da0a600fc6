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
  @DisplayName("Placing, confirming, advancing and failing orders use the primary keys (a literal status would not)")
  void orderStatementsUseTheirKeys() throws Exception {
    PLANS.assertKeyed(OrderSql.PLACE_FROM_CHECKOUTS, "$5", "'HELD'", "checkouts_active", "checkouts_pkey",
        "checkouts_user"); // (a shopper's own checkouts: the placement names the shopper too)
    PLANS.assertKeyed(OrderSql.CONFIRM_WITH_STOCK, "$4", "'PENDING'", "orders_pending", "orders_pkey");
    PLANS.assertKeyed(OrderSql.ADVANCE, "$6", "'PENDING'", "orders_pending", "orders_pkey");
    PLANS.assertKeyed(OrderSql.CONFIRM, "$2", "'PENDING'", "orders_pending", "orders_pkey");
    PLANS.assertKeyed(OrderSql.FAIL, "$5", "'PENDING'", "orders_pending", "orders_pkey");
  }
}
