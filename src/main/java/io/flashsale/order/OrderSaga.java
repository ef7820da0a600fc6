package io.flashsale.order;

import io.flashsale.http.ApiException;
import io.flashsale.http.BusErrors;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.Ids;
import io.flashsale.inventory.Checkout;
import io.flashsale.inventory.StockLedger;
import io.flashsale.payment.PaymentClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/**
 * The order saga: validate the hold → (coupon: a hook for now) → authorise payment → confirm stock → confirm the order
 * (with its OrderPlaced event) → capture. Each step is persisted before the next, so a crash anywhere is finished or
 * compensated by {@link #recover(String)}; a failure undoes the steps done, in reverse (void the payment, give the
 * stock back).
 */
public final class OrderSaga {

  private static final Logger LOG = LoggerFactory.getLogger(OrderSaga.class);
  private static final DeliveryOptions BUS = new DeliveryOptions().setSendTimeout(15_000);

  private final OrderStore orders;
  private final StockLedger checkouts;
  private final PaymentClient payments;
  private final EventBus bus;
  private final Clock clock;
  private final String crashAfterStep;

  public OrderSaga(OrderStore orders, StockLedger checkouts, PaymentClient payments, EventBus bus, Clock clock,
                   String crashAfterStep) {
    this.orders = orders;
    this.checkouts = checkouts;
    this.payments = payments;
    this.bus = bus;
    this.clock = clock;
    this.crashAfterStep = crashAfterStep == null ? "" : crashAfterStep;
  }

  // ------------------------------------------------------------------ place

  /** Runs the saga for a shopper's checkout; answers the CONFIRMED order or the API error to return. */
  public Future<Order> place(String userId, String checkoutId, String paymentToken) {
    return checkouts.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (!c.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
      }
      if (Checkout.CONFIRMED.equals(c.status())) {
        return Future.failedFuture(alreadyOrdered(checkoutId));
      }
      if (!Checkout.HELD.equals(c.status()) || !c.expiresAt().isAfter(Instant.ofEpochMilli(clock.millis()))) {
        return Future.failedFuture(new ApiException(ErrorCode.HOLD_EXPIRED, "the checkout's hold has expired or was"
            + " released; enter the checkout again", new JsonObject().put("checkoutId", checkoutId)));
      }
      String orderId = newOrderId();
      return orders.createPending(orderId, c)
          .compose(x -> applyCoupon(c))
          .compose(x -> authorize(orderId, c, paymentToken))
          .compose(paymentId -> confirmStockAndFinish(orderId));
    });
  }

  /** The coupon step: a no-op until coupons exist (issue 6). */
  private Future<Void> applyCoupon(Checkout c) {
    return Future.succeededFuture();
  }

  private Future<String> authorize(String orderId, Checkout c, String token) {
    return payments.authorize(orderId, c.total(), token).transform(ar -> {
      if (ar.failed()) {
        // The provider's answer is unknown (error, timeout, open breaker). Keep the hold for the shopper's retry and
        // leave the void of any late authorisation to recovery: calling a failing provider again right now would
        // only feed the storm (and reset the breaker's count).
        return orders.fail(orderId, SagaStep.PAYMENT_UNKNOWN, "UNAVAILABLE")
            .transform(v -> Future.failedFuture(ar.cause() instanceof ApiException api ? api
                : ApiException.unavailable("the payment provider did not answer; nothing was charged, retry shortly")));
      }
      PaymentClient.Payment p = ar.result();
      if ("DECLINED".equals(p.status())) {
        return orders.setStep(orderId, SagaStep.STARTED, p.paymentId(), "DECLINED")
            .compose(x -> releaseHold(c.userId(), c.checkoutId()))
            .compose(x -> orders.fail(orderId, SagaStep.COMPENSATED, "PAYMENT_DECLINED"))
            .transform(x -> Future.failedFuture(new ApiException(ErrorCode.PAYMENT_DECLINED,
                "the payment was declined; the stock was given back", new JsonObject().put("checkoutId", c.checkoutId()))));
      }
      return orders.setStep(orderId, SagaStep.PAYMENT_AUTHORIZED, p.paymentId(), "AUTHORIZED")
          .onSuccess(x -> crashPoint(SagaStep.PAYMENT_AUTHORIZED)).map(p.paymentId());
    });
  }

  /** From PAYMENT_AUTHORIZED on: confirm stock, then confirm the order and capture. Used by place and recovery. */
  private Future<Order> confirmStockAndFinish(String orderId) {
    return orders.get(orderId).compose(o -> bus.<JsonObject>request(BusAddresses.INVENTORY_CONFIRM,
        new JsonObject().put("checkoutId", o.checkoutId()), BUS).transform(ar -> {
          if (ar.succeeded()) {
            return orders.setStep(orderId, SagaStep.STOCK_CONFIRMED, null, null)
                .onSuccess(x -> crashPoint(SagaStep.STOCK_CONFIRMED))
                .compose(x -> finish(orderId));
          }
          Throwable err = BusErrors.toApi(ar.cause());
          ApiException api = err instanceof ApiException a ? a : ApiException.unavailable("stock could not be confirmed");
          if (api.code() == ErrorCode.REQUEST_IN_PROGRESS) {
            // Another confirm of this checkout is running (or died mid-way and is being recovered): not a
            // failure to compensate — leave the saga PENDING for the next attempt.
            return orders.touch(orderId).transform(x -> Future.failedFuture(ApiException.unavailable(
                "the stock confirmation is still in progress; retry shortly")));
          }
          // Undo in reverse: the payment first (stock was not taken; on SOLD_OUT the inventory released the hold).
          return voidPayment(o).compose(x -> orders.fail(orderId, SagaStep.COMPENSATED, api.code().name()))
              .transform(x -> Future.failedFuture(api));
        }));
  }

  /** STOCK_CONFIRMED → CONFIRMED (+ OrderPlaced), then capture; a failed capture is retried by recovery. */
  private Future<Order> finish(String orderId) {
    return orders.get(orderId).compose(o -> orders.confirm(o).compose(x -> payments.capture(o.paymentId())
        .compose(p -> orders.setStep(orderId, SagaStep.DONE, null, p.status()))
        .recover(err -> {
          LOG.warn("capture of order {} failed ({}); recovery will retry it", orderId, err.toString());
          return Future.succeededFuture();
        })).compose(x -> orders.get(orderId)));
  }

  // ------------------------------------------------------------------ recovery

  /** Finishes or compensates one stalled order (see {@link OrderStore#stalled}). */
  public Future<Void> recover(String orderId) {
    return orders.get(orderId).compose(o -> {
      if (o == null) {
        return Future.succeededFuture();
      }
      LOG.info("recovering order {} ({} at {})", orderId, o.status(), o.sagaStep());
      if (Order.CONFIRMED.equals(o.status())) {
        return payments.capture(o.paymentId()).compose(p -> orders.setStep(orderId, SagaStep.DONE, null, p.status()));
      }
      if (Order.FAILED.equals(o.status())) {
        // The provider may have authorised after we gave up: void it (idempotent), once.
        return voidByKey(orderId).compose(x -> orders.setStep(orderId, SagaStep.COMPENSATED, null, null));
      }
      return switch (o.sagaStep()) {
        case SagaStep.STARTED -> payments.find(orderId).compose(p -> {
          if (p != null && "AUTHORIZED".equals(p.status())) {
            return orders.setStep(orderId, SagaStep.PAYMENT_AUTHORIZED, p.paymentId(), "AUTHORIZED")
                .compose(x -> confirmStockAndFinish(orderId)).otherwiseEmpty().mapEmpty();
          }
          return releaseHold(o.userId(), o.checkoutId())
              .compose(x -> orders.fail(orderId, SagaStep.COMPENSATED, p == null ? "ABANDONED" : "PAYMENT_DECLINED"));
        });
        case SagaStep.PAYMENT_AUTHORIZED -> confirmStockAndFinish(orderId).otherwiseEmpty().mapEmpty();
        case SagaStep.STOCK_CONFIRMED -> finish(orderId).mapEmpty();
        default -> orders.touch(orderId);
      };
    });
  }

  // ------------------------------------------------------------------ cancel

  /** Refund, stock back to PostgreSQL and Redis, limit back, OrderCancelled; idempotent. */
  public Future<Order> cancel(String userId, String orderId) {
    return orders.get(orderId).compose(o -> {
      if (o == null) {
        return Future.failedFuture(ApiException.notFound("order", orderId));
      }
      if (!o.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this order belongs to someone else"));
      }
      if (Order.CANCELLED.equals(o.status())) {
        return Future.succeededFuture(o);
      }
      if (!Order.CONFIRMED.equals(o.status())) {
        return Future.failedFuture(new ApiException(Order.PENDING.equals(o.status()) ? ErrorCode.REQUEST_IN_PROGRESS
            : ErrorCode.ORDER_NOT_CANCELLABLE, "order '" + orderId + "' is " + o.status() + " and cannot be cancelled",
            new JsonObject().put("orderId", orderId).put("status", o.status())));
      }
      Future<PaymentClient.Payment> giveMoneyBack = "CAPTURED".equals(o.paymentStatus()) || "REFUNDED".equals(o.paymentStatus())
          ? payments.refund(o.paymentId()) : payments.voidAuthorization(o.paymentId());
      return giveMoneyBack.compose(p -> orders.cancel(o, p.status())).compose(cancelled -> {
        if (!cancelled) {
          return Future.succeededFuture();
        }
        JsonArray items = new JsonArray();
        o.items().forEach(i -> items.add(new JsonObject().put("productId", i.productId())
            .put("quantity", i.quantity()).put("eventId", i.eventId())));
        return bus.request(BusAddresses.INVENTORY_RESTOCKED, new JsonObject().put("userId", o.userId())
            .put("items", items), BUS).otherwiseEmpty().mapEmpty();
      }).compose(x -> orders.get(orderId));
    });
  }

  // ------------------------------------------------------------------ helpers

  private Future<Void> releaseHold(String userId, String checkoutId) {
    return bus.request(BusAddresses.INVENTORY_RELEASE, new JsonObject().put("userId", userId)
        .put("checkoutId", checkoutId).put("compensation", true), BUS).mapEmpty();
  }

  private Future<Void> voidPayment(Order o) {
    return o.paymentId() == null ? Future.succeededFuture()
        : payments.voidAuthorization(o.paymentId()).compose(p -> orders.setStep(o.orderId(), o.sagaStep(), null, p.status()));
  }

  private Future<Void> voidByKey(String orderId) {
    return payments.find(orderId).compose(p -> p == null || !"AUTHORIZED".equals(p.status())
        ? Future.<Void>succeededFuture() : payments.voidAuthorization(p.paymentId()).mapEmpty())
        .otherwise(err -> {
          LOG.warn("could not void a possible authorisation of {} now ({}); recovery retries", orderId, err.toString());
          return null;
        });
  }

  /** Test hook: {@code orders.crashAfterStep} kills the process right after a step was persisted (kill -9 drills). */
  private void crashPoint(String step) {
    if (crashAfterStep.equals(step)) {
      LOG.error("orders.crashAfterStep={}: halting the process now", step);
      Runtime.getRuntime().halt(137);
    }
  }

  private static ApiException alreadyOrdered(String checkoutId) {
    return new ApiException(ErrorCode.ALREADY_ORDERED, "checkout '" + checkoutId + "' was already turned into an order",
        new JsonObject().put("checkoutId", checkoutId));
  }

  static String newOrderId() {
    return Ids.random("ord_");
  }
}
