package io.flashsale.order;

import io.flashsale.infra.Topics;
import io.flashsale.inventory.ConfirmHook;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.outbox.OutboxStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Confirms orders in the transaction that took their stock (the saga's "stock confirmed" and "order confirmed" steps
 * become one commit): PENDING → CONFIRMED with history and the OrderPlaced outbox rows, for a whole batch in two
 * statements. An order that is not where the saga left it (recovery moved it) is left alone; the saga then finishes
 * it step by step.
 */
public final class OrderConfirmations implements ConfirmHook {

  private final Topics topics;

  public OrderConfirmations(Topics topics) {
    this.topics = topics;
  }

  @Override
  public Future<Set<String>> confirmed(SqlConnection tx, List<Confirming> members) {
    List<Confirming> forOrders = members.stream().filter(m -> m.orderId() != null).toList();
    if (forOrders.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    String[] orderIds = forOrders.stream().map(Confirming::orderId).toArray(String[]::new);
    String[] checkoutIds = forOrders.stream().map(m -> m.checkout().checkoutId()).toArray(String[]::new);
    String[] paymentIds = forOrders.stream().map(Confirming::paymentId).toArray(String[]::new);
    return tx.preparedQuery(OrderSql.CONFIRM_WITH_STOCK)
        .execute(Tuple.of(orderIds, checkoutIds, paymentIds, Order.PENDING))
        .compose(rs -> {
          Set<String> confirmed = new HashSet<>();
          rs.forEach(r -> confirmed.add(r.getString(0)));
          Map<String, Confirming> byOrder = new HashMap<>();
          forOrders.forEach(m -> byOrder.put(m.orderId(), m));
          List<OutboxEvent> events = new ArrayList<>(confirmed.size());
          for (String orderId : confirmed) {
            // Each order's event in its own request's trace, not the batch leader's.
            events.add(OutboxEvent.of(topics.orders(), "order", orderId, OrderStore.ORDER_PLACED, 1,
                OrderStore.placedPayload(orderId, byOrder.get(orderId).checkout()))
                .inTrace(byOrder.get(orderId).traceparent()));
          }
          return OutboxStore.append(tx, events).map(confirmed);
        });
  }
}
