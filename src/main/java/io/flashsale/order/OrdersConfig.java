package io.flashsale.order;

import io.flashsale.infra.AppConfig;
import io.flashsale.inventory.InventoryConfig;

/**
 * Order settings, from {@code orders.*} (and the inventory's confirm bounds). {@code answerDeadlineMillis}: how long
 * {@code POST /api/orders} waits for the outcome before answering 202 with the PENDING order. A confirm is not started
 * past {@code confirmTimeoutMillis} (the inventory's bus timeouts are {@code InventoryConfig}'s). Recovery looks at an unsettled
 * order after {@code recoveryAfterMillis} without progress (doubled per failed attempt), every
 * {@code recoverySweepMillis}. A FAILED order whose provider has no record of its payment is settled only after
 * {@code paymentHorizonMillis} from its creation (an authorisation sent before may still land).
 */
public record OrdersConfig(long answerDeadlineMillis, long confirmTimeoutMillis, long recoveryAfterMillis,
                           long recoverySweepMillis, long paymentHorizonMillis, String crashAfterStep) {

  /**
   * How long the HTTP side waits for the saga's answer on the bus: the saga answers by {@code answerDeadlineMillis}
   * (a 202 with the PENDING order at worst), so this only bounds a lost answer.
   */
  public long busTimeoutMillis() {
    return answerDeadlineMillis + 22_000;
  }

  public static OrdersConfig from(AppConfig c) {
    InventoryConfig inv = InventoryConfig.from(c);
    String crash = c.asJson().getString("orders.crashAfterStep", "");
    return new OrdersConfig(c.integer("orders.answerDeadlineMillis"), inv.confirmTimeoutMillis(),
        c.integer("orders.recoveryAfterMillis"), c.integer("orders.recoverySweepMillis"),
        c.integer("orders.paymentHorizonMillis"), crash == null ? "" : crash);
  }
}
