package io.flashsale.order;

import io.flashsale.infra.AppConfig;
import io.flashsale.inventory.InventoryConfig;

/**
 * Order settings, from {@code orders.*} (and the inventory's confirm bounds). {@code answerDeadlineMillis}: how long
 * {@code POST /api/orders} waits for the outcome before answering 202 with the PENDING order. A confirm is not started
 * past {@code confirmTimeoutMillis}; its bus request waits {@code confirmBusTimeoutMillis}, long enough for a
 * statement that started just before the deadline to be rolled back and answered. Recovery looks at an unsettled
 * order after {@code recoveryAfterMillis} without progress (doubled per failed attempt), every
 * {@code recoverySweepMillis}. A FAILED order whose provider has no record of its payment is settled only after
 * {@code paymentHorizonMillis} from its creation (an authorisation sent before may still land).
 */
public record OrdersConfig(long answerDeadlineMillis, long confirmTimeoutMillis, long confirmBusTimeoutMillis,
                           long inventoryTimeoutMillis, long recoveryAfterMillis, long recoverySweepMillis,
                           long paymentHorizonMillis, String crashAfterStep) {

  public static OrdersConfig from(AppConfig c) {
    InventoryConfig inv = InventoryConfig.from(c);
    String crash = c.asJson().getString("orders.crashAfterStep", "");
    return new OrdersConfig(c.integer("orders.answerDeadlineMillis"), inv.confirmTimeoutMillis(),
        inv.confirmTimeoutMillis() + 2 * inv.pgStatementTimeoutMillis() + 2_000, 10_000,
        c.integer("orders.recoveryAfterMillis"), c.integer("orders.recoverySweepMillis"),
        c.integer("orders.paymentHorizonMillis"), crash == null ? "" : crash);
  }
}
