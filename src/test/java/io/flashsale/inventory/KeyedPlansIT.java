package io.flashsale.inventory;

import io.flashsale.support.GenericPlans;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The confirm's and the give-back's statements find their checkouts by id even where the statistics say none is HELD:
 * in a sale's first minute that would be tens of thousands of active holds read at every call.
 */
@DisplayName("Checkout statements look their checkouts up by id, whatever the statistics say")
class KeyedPlansIT {

  @RegisterExtension
  static final GenericPlans PLANS = new GenericPlans();

  @Test
  @DisplayName("Locking, confirming and giving back held checkouts use the primary key (a literal 'HELD' would not)")
  void checkoutStatementsUseTheirKey() throws Exception {
    PLANS.assertKeyed(InventorySql.HELD_AMONG, "$2", "'HELD'", "checkouts_active", "checkouts_pkey");
    PLANS.assertKeyed(InventorySql.CONFIRM_HELD, "$2", "'HELD'", "checkouts_active", "checkouts_pkey");
    PLANS.assertKeyed(InventorySql.GIVE_BACK, "$5", "'HELD'", "checkouts_active", "checkouts_pkey");
  }
}
