package io.flashsale.order;

import io.flashsale.infra.AppConfig;
import io.flashsale.inventory.InventoryConfig;

/**
 * Order settings, from {@code orders.*} (and the inventory's confirm bounds). {@code answerDeadlineMillis}: how long
 * {@code POST /api/orders} waits for the outcome before answering 202 with the PENDING order. A confirm is not started
 * past {@code confirmTimeoutMillis} (the inventory's bus timeouts are {@code InventoryConfig}'s). Recovery looks at an unsettled
 * order after {@code recoveryAfterMillis} without progress (doubled per failed attempt), every
 * {@code recoverySweepMillis}. {@code busTimeoutMillis}: how long {@code POST /api/orders} waits for the saga's bus
 * answer. A FAILED order whose provider has no record of its payment is settled only after
 * {@code paymentHorizonMillis} from its creation (an authorisation sent before may still land).
 */
public record OrdersConfig(long answerDeadlineMillis, long confirmTimeoutMillis, long recoveryAfterMillis,
                           long recoverySweepMillis, long paymentHorizonMillis, String crashAfterStep,
                           long busTimeoutMillis) {

  public static OrdersConfig from(AppConfig c) {
    InventoryConfig inv = InventoryConfig.from(c);
    String crash = c.asJson().getString("orders.crashAfterStep", "");
    return new OrdersConfig(c.integer("orders.answerDeadlineMillis"), inv.confirmTimeoutMillis(),
        c.integer("orders.recoveryAfterMillis"), c.integer("orders.recoverySweepMillis"),
        c.integer("orders.paymentHorizonMillis"), crash == null ? "" : crash,
        // The saga answers by answerDeadlineMillis (a 202 with the PENDING order at worst); the HTTP side waits past
        // the longest step that may still be under way then — a confirm's bus wait — so only a lost answer times out.
        c.integer("orders.answerDeadlineMillis") + inv.confirmBusTimeoutMillis() + 2_000);
  }
}
