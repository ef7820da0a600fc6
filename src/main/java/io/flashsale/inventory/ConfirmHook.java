package io.flashsale.inventory;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;

import java.util.List;
import java.util.Set;

/**
 * What commits in the same PostgreSQL transaction as a batch of confirms: the orders the checkouts were confirmed for
 * (wired by the app; inventory itself knows no orders). One transaction per batch instead of one per step per order.
 */
public interface ConfirmHook {

  /** A checkout being confirmed for {@code orderId}, with the payment the order holds ({@code null}: not known here). */
  record Confirming(Checkout checkout, String orderId, String paymentId, String traceparent) {

    /** A member in the trace of the request that is current (if tracing is on). */
    public Confirming(Checkout checkout, String orderId, String paymentId) {
      this(checkout, orderId, paymentId, io.flashsale.infra.Tracing.traceparent());
    }
  }

  /** Runs inside the batch's transaction, after stock, checkouts and coupons; answers the ids of orders it confirmed. */
  Future<Set<String>> confirmed(SqlConnection tx, List<Confirming> members);

  /** No orders to confirm (tools and tests that confirm checkouts alone). */
  ConfirmHook NONE = (tx, members) -> Future.succeededFuture(Set.of());
}
