package io.flashsale.order;

import io.flashsale.infra.LogFields;
import io.flashsale.infra.Tracing;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.ErrorResponder;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Ids;
import io.flashsale.infra.Topics;
import io.flashsale.inventory.Checkout;
import io.flashsale.inventory.InventoryClient;
import io.flashsale.inventory.InventoryConfig;
import io.flashsale.inventory.StockLedger;
import io.flashsale.payment.PaymentClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/**
 * The order saga: validate the hold → authorise payment → confirm stock (which also redeems the coupon) → confirm the
 * order (with its OrderPlaced event) → capture. Each step is persisted before the next, so a crash anywhere is
 * finished or compensated by {@link #recover(String)}.
 *
 * <p>Unknown is not failed: a step whose effect may have happened (a timeout, a lost answer, a 503 after sending)
 * leaves the order PENDING, and recovery settles it later from the truth — the checkout's PostgreSQL status (through
 * the idempotent confirm) and the provider's payment record. Compensation (void the payment, give the hold back) runs
 * only on a definite "did not happen": a 4xx answer of the inventory, whose transaction rolled back. When the outcome
 * is not known by {@code answerDeadlineMillis} the shopper gets the PENDING order (202) while the saga goes on.
 *
 * <p>Longer than our usual class on purpose: the saga's forward steps, their compensations and recovery read as one
 * state machine top to bottom; split, each half would need the other's invariants restated.
 */
public final class OrderSaga {

  private static final Logger LOG = LoggerFactory.getLogger(OrderSaga.class);

  /** Money owed back for a cancelled order, until the provider says VOIDED or REFUNDED. */
  public static final String REFUND_PENDING = "REFUND_PENDING";

  private final OrderStore orders;
  private final StockLedger checkouts;
  private final PaymentClient payments;
  private final Vertx vertx;
  private final Clock clock;
  private final OrdersConfig config;
  private final InventoryClient inventory;

  public OrderSaga(Vertx vertx, OrderStore orders, StockLedger checkouts, InventoryClient inventory,
                   PaymentClient payments, Clock clock, OrdersConfig config) {
    this.vertx = vertx;
    this.orders = orders;
    this.checkouts = checkouts;
    this.payments = payments;
    this.inventory = inventory;
    this.clock = clock;
    this.config = config;
  }

  /** The saga as the app runs it: its stores on {@code pool}, {@code orders.*} settings. */
  public static OrderSaga create(Vertx vertx, Pool pool, PaymentClient payments, AppConfig config, Clock clock) {
    InventoryConfig inventory = InventoryConfig.from(config);
    return new OrderSaga(vertx, new OrderStore(pool, Topics.from(config)), new StockLedger(pool, Topics.from(config),
        inventory.decrementAttempts()), new InventoryClient(vertx.eventBus(), inventory), payments, clock,
        OrdersConfig.from(config));
  }

  /** The order store it writes to. */
  OrderStore store() {
    return orders;
  }

  // ------------------------------------------------------------------ place

  /**
   * What place answered: the order, and whether its 201 is already stored under the request's key (then the HTTP side
   * only tells Redis).
   */
  public record Placement(Order order, boolean answerStored) {
  }

  /**
   * Runs the saga for a shopper's checkout; answers the CONFIRMED order, the PENDING order when the outcome is not
   * known by the answer deadline (the saga goes on behind it), or the API error to return. With the request's
   * Idempotency-Key ({@code null}: none) a placed order's 201 is stored under it by the statement that records the
   * capture.
   */
  public Future<Placement> place(String userId, String checkoutId, String paymentToken, OrderStore.AnswerKey key) {
    String orderId = newOrderId();
    Instant now = OrderStore.now(clock);
    // The usual case in one round trip: the open hold becomes a PENDING order. Otherwise read the checkout to say why.
    return Tracing.step("saga place order", () -> {
      Tracing.tag("order.id", orderId);
      Tracing.tag("checkout.id", checkoutId);
      return orders.placeFromCheckout(orderId, checkoutId, userId, now);
    })
        .recover(err -> err instanceof ApiException api && api.code() == ErrorCode.ALREADY_ORDERED
            ? alreadyOrdered(checkoutId) : Future.failedFuture(err))
        .compose(placed -> placed != null ? Future.succeededFuture(placed) : notPlaceable(checkoutId, userId, now))
        // The authorisation is not a step of its own in PostgreSQL: it is recorded by the transaction that takes
        // the stock (recovery asks the provider for an order that stopped at STARTED).
        .compose(placed -> answerBy(orderId, authorize(placed.order(), placed.checkout(), paymentToken)
            .compose(p -> confirmStockAndFinish(placed.order(), placed.checkout(), p.paymentId(), SagaStep.STARTED,
                key))));
  }

  /** Why the checkout could not become an order. */
  private Future<OrderStore.Placed> notPlaceable(String checkoutId, String userId, Instant now) {
    return checkouts.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (!c.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
      }
      if (Checkout.CONFIRMED.equals(c.status())) {
        return alreadyOrdered(checkoutId);
      }
      if (!Checkout.HELD.equals(c.status()) || !c.expiresAt().isAfter(now)) {
        return Future.failedFuture(new ApiException(ErrorCode.HOLD_EXPIRED, "the checkout's hold has expired or was"
            + " released; enter the checkout again", new JsonObject().put("checkoutId", checkoutId)));
      }
      // An open hold now, not when the statement ran (it changed in between): nothing was written, the retry runs.
      return Future.failedFuture(ApiException.unavailable("the checkout changed while the order was placed; retry"));
    });
  }

  /** The saga's answer, or the PENDING order once the answer deadline passes (the saga itself goes on). */
  private Future<Placement> answerBy(String orderId, Future<Placement> saga) {
    Promise<Placement> answer = Promise.promise();
    // Only a PENDING order is an answer at the deadline: one that is settled by then is answered by the saga itself
    // (a FAILED order must reach the shopper as its error, not as a 201).
    long timer = vertx.setTimer(config.answerDeadlineMillis(), id -> orders.get(orderId).onSuccess(o -> {
      if (o != null && Order.PENDING.equals(o.status())) {
        answer.tryComplete(new Placement(o, false));
      }
    }));
    saga.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        answer.tryFail(ar.cause());
      }
    });
    return answer.future();
  }

  /** The approved payment; a decline or an unknown answer fails the order (and answers the shopper's error). */
  private Future<PaymentClient.Payment> authorize(Order o, Checkout c, String token) {
    String orderId = o.orderId();
    return Tracing.step("saga authorize payment", () -> payments.authorize(orderId, c.total(), token)).transform(ar -> {
      if (ar.failed()) {
        // The provider's answer is unknown (error, timeout, open breaker). The stock was not taken: the order fails
        // and keeps no unit, the hold stays for the shopper's retry, and recovery voids any late authorisation —
        // calling a failing provider again right now would only feed the storm (and reset the breaker's count).
        return orders.fail(orderId, SagaStep.STARTED, SagaStep.PAYMENT_UNKNOWN, "UNAVAILABLE")
            .transform(v -> Future.failedFuture(ar.cause() instanceof ApiException api ? api
                : ApiException.unavailable("the payment provider did not answer; nothing is charged (an authorisation that"
                + " lands late is voided), retry shortly")));
      }
      PaymentClient.Payment p = ar.result();
      if ("DECLINED".equals(p.status())) {
        return orders.advance(orderId, SagaStep.STARTED, SagaStep.STARTED, p.paymentId(), "DECLINED")
            .compose(x -> releaseHold(c.userId(), c.checkoutId()))
            .compose(x -> orders.fail(orderId, SagaStep.STARTED, SagaStep.COMPENSATED, "PAYMENT_DECLINED"))
            .transform(x -> Future.failedFuture(new ApiException(ErrorCode.PAYMENT_DECLINED,
                "the payment was declined; the stock was given back", new JsonObject().put("checkoutId", c.checkoutId()))));
      }
      crashPoint(SagaStep.PAYMENT_AUTHORIZED);
      return Future.succeededFuture(p);
    });
  }

  /**
   * With the payment authorised: confirm the stock — in the same transaction the order becomes CONFIRMED with its
   * OrderPlaced event — then capture. Used by place (from STARTED, {@code known} the checkout just read) and by
   * recovery (from PAYMENT_AUTHORIZED). A definite refusal compensates; an unknown outcome leaves the order PENDING
   * (answered as it stands) for recovery. When the inventory confirmed the stock but not the order (a retry, a lost
   * answer) the order is finished step by step, each step a compare-and-set.
   */
  private Future<Order> confirmStockAndFinish(Order o, Checkout known, String paymentId, String fromStep) {
    return confirmStockAndFinish(o, known, paymentId, fromStep, null).map(Placement::order);
  }

  private Future<Placement> confirmStockAndFinish(Order o, Checkout known, String paymentId, String fromStep,
                                                  OrderStore.AnswerKey key) {
    String orderId = o.orderId();
    InventoryClient.ConfirmRequest request = new InventoryClient.ConfirmRequest(o.checkoutId(), orderId, paymentId,
        clock.millis() + config.confirmTimeoutMillis(), known);
    return Tracing.step("saga confirm stock", () -> inventory.confirm(request)).transform(ar -> {
      if (ar.succeeded()) {
        if (ar.result().orderConfirmed()) {
          crashPoint(SagaStep.STOCK_CONFIRMED);
          return captureConfirmed(o.confirmed(paymentId), key);
        }
        // (each advance is false when recovery or an earlier attempt got there first; finishing is idempotent)
        Future<Boolean> authorized = SagaStep.STARTED.equals(fromStep)
            ? orders.advance(orderId, SagaStep.STARTED, SagaStep.PAYMENT_AUTHORIZED, paymentId, "AUTHORIZED")
            : Future.succeededFuture(true);
        return authorized
            .compose(x -> orders.advance(orderId, SagaStep.PAYMENT_AUTHORIZED, SagaStep.STOCK_CONFIRMED, null, null))
            .onSuccess(x -> crashPoint(SagaStep.STOCK_CONFIRMED))
            .compose(x -> finish(orderId)).map(done -> new Placement(done, false));
      }
      ApiException api = ErrorResponder.classify(ar.cause(), 500);
      if (api.code().status() >= 500 || api.code() == ErrorCode.REQUEST_IN_PROGRESS) {
        // Unknown: the confirm may still run, or may have committed before its answer was lost. PostgreSQL will
        // tell recovery (the confirm is idempotent on the checkout's status); until then the order is PENDING.
        LOG.info("order {}: stock confirmation unknown ({}: {}); left PENDING for recovery",
            LogFields.orderId(orderId), api.code(),
            api.getMessage());
        return orders.touch(orderId).compose(x -> orders.get(orderId)).map(now -> new Placement(now, false));
      }
      // Definite: the inventory's transaction rolled back (on SOLD_OUT it also gave the hold back). Undo in
      // reverse: the order fails first (owing a void), then the void; a void that fails is retried by recovery.
      return orders.fail(orderId, fromStep, SagaStep.VOID_PENDING, api.code().name())
          .compose(failedNow -> !failedNow ? Future.<Void>succeededFuture() // another attempt settled it
              : moneyBackForFailed(o).compose(settled -> settled
                  ? orders.settleFailed(orderId, SagaStep.COMPENSATED, null) : Future.<Void>succeededFuture()))
          .otherwise(err -> {
            LOG.warn("order {}: void after a refused confirm failed ({}); recovery retries it",
                LogFields.orderId(orderId), err.toString());
            return null;
          })
          .transform(x -> Future.failedFuture(api));
    });
  }

  /**
   * The order CONFIRMED with its stock: capture, and answer it with the provider's answer (no re-read). With the
   * request's key, the 201 is stored in the statement that records the capture.
   */
  private Future<Placement> captureConfirmed(Order confirmed, OrderStore.AnswerKey key) {
    return capturePayment(confirmed.paymentId()).compose(p -> {
      Order captured = confirmed.withPayment(p.status());
      if (key == null) {
        return orders.recordCapture(confirmed.orderId(), p.status()).map(new Placement(captured, false));
      }
      return orders.recordCaptureAndAnswer(confirmed.orderId(), p.status(), key, 201,
          captured.toJson(false).encode()).map(new Placement(captured, true));
    }).recover(err -> {
      LOG.warn("capture of order {} failed ({}); recovery will retry it", LogFields.orderId(confirmed.orderId()),
          err.toString());
      return Future.succeededFuture(new Placement(confirmed, false));
    });
  }

  /**
   * STOCK_CONFIRMED → CONFIRMED (+ OrderPlaced), then capture — only an order that is CONFIRMED is captured; a failed
   * capture is retried by recovery.
   */
  private Future<Order> finish(String orderId) {
    return orders.get(orderId).compose(o -> orders.confirm(o)
        .compose(confirmedNow -> confirmedNow ? Future.succeededFuture(o.confirmed(o.paymentId())) : orders.get(orderId))
        .compose(now -> !Order.CONFIRMED.equals(now.status()) ? Future.<Void>succeededFuture() : capture(now)
            .recover(err -> {
              LOG.warn("capture of order {} failed ({}); recovery will retry it", LogFields.orderId(orderId),
                  err.toString());
              return Future.succeededFuture();
            })).compose(x -> orders.get(orderId)));
  }

  /** Captures and records the provider's answer — unless a cancel overtook it (the cancel then returns the money). */
  private Future<Void> capture(Order o) {
    return capturePayment(o.paymentId()).compose(p -> orders.recordCapture(o.orderId(), p.status()));
  }

  private Future<PaymentClient.Payment> capturePayment(String paymentId) {
    return Tracing.step("saga capture payment", () -> payments.capture(paymentId));
  }

  // ------------------------------------------------------------------ recovery

  /** Settles one stalled order (see {@link OrderStore#stalled}); a failure is retried later with a longer pause. */
  public Future<Void> recover(String orderId) {
    return orders.get(orderId).compose(o -> {
      if (o == null) {
        return Future.succeededFuture();
      }
      LOG.info("recovering order {} ({} at {}, payment {})", LogFields.orderId(orderId), o.status(), o.sagaStep(),
          o.paymentStatus());
      if (Order.CONFIRMED.equals(o.status())) {
        return capture(o);
      }
      if (Order.CANCELLED.equals(o.status())) {
        return giveMoneyBack(o);
      }
      if (Order.FAILED.equals(o.status())) {
        // The provider may have authorised (or even captured) after we gave up: give it back. COMPENSATED only once
        // the provider says there is nothing (left) to give back — and "no record" only after the payment horizon.
        return moneyBackForFailed(o).compose(settled -> settled
            ? orders.settleFailed(orderId, SagaStep.COMPENSATED, null) : orders.backOff(orderId));
      }
      return switch (o.sagaStep()) {
        case SagaStep.STARTED -> payments.find(orderId).compose(p -> {
          if (p != null && "AUTHORIZED".equals(p.status())) {
            return orders.advance(orderId, SagaStep.STARTED, SagaStep.PAYMENT_AUTHORIZED, p.paymentId(), "AUTHORIZED")
                .compose(ours -> ours ? confirmStockAndFinish(o, null, p.paymentId(), SagaStep.PAYMENT_AUTHORIZED)
                    .compose(this::settledOrBackOff) : Future.<Void>succeededFuture());
          }
          // Declined, or unknown to the provider (the saga's call may still land): the stock goes back now, and a
          // payment that appears later is voided by the FAILED branch above.
          return releaseHold(o.userId(), o.checkoutId())
              .compose(x -> orders.fail(orderId, SagaStep.STARTED, p == null ? SagaStep.PAYMENT_UNKNOWN
                  : SagaStep.COMPENSATED, p == null ? "ABANDONED" : "PAYMENT_DECLINED")).mapEmpty();
        });
        case SagaStep.PAYMENT_AUTHORIZED -> confirmStockAndFinish(o, null, o.paymentId(), SagaStep.PAYMENT_AUTHORIZED)
            .compose(this::settledOrBackOff)
            .recover(err -> err instanceof ApiException api && api.code().status() < 500
                ? Future.succeededFuture() // compensated: settled
                : Future.failedFuture(err));
        case SagaStep.STOCK_CONFIRMED -> finish(orderId).mapEmpty();
        default -> orders.backOff(orderId);
      };
    });
  }

  private Future<Void> settledOrBackOff(Order o) {
    return Order.PENDING.equals(o.status()) ? orders.backOff(o.orderId()) : Future.succeededFuture();
  }

  // ------------------------------------------------------------------ cancel

  /**
   * PostgreSQL first: CONFIRMED → CANCELLED with the units and the coupon back and the money owed back
   * ({@code REFUND_PENDING}), in one transaction; then Redis's stock and limit, then the money — a void, or a refund
   * when the provider says it was captured (a capture may have landed after its caller's timeout). A money-back that
   * fails is retried by recovery until the provider says VOIDED or REFUNDED. Idempotent.
   */
  public Future<Order> cancel(String userId, String orderId) {
    return orders.get(orderId).compose(o -> {
      if (o == null) {
        return Future.failedFuture(ApiException.notFound("order", orderId));
      }
      if (!o.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this order belongs to someone else"));
      }
      if (Order.CANCELLED.equals(o.status())) {
        return REFUND_PENDING.equals(o.paymentStatus())
            ? giveMoneyBack(o).otherwiseEmpty().compose(x -> orders.get(orderId)) : Future.succeededFuture(o);
      }
      if (!Order.CONFIRMED.equals(o.status())) {
        return Future.failedFuture(new ApiException(Order.PENDING.equals(o.status()) ? ErrorCode.REQUEST_IN_PROGRESS
            : ErrorCode.ORDER_NOT_CANCELLABLE, "order '" + orderId + "' is " + o.status() + " and cannot be cancelled",
            new JsonObject().put("orderId", orderId).put("status", o.status())));
      }
      return orders.cancel(o, REFUND_PENDING).compose(cancelled -> {
        if (!cancelled) {
          return Future.succeededFuture(); // a concurrent cancel won; it returns the money
        }
        Future<Void> redis = inventory.restocked(new InventoryClient.Restocked(o.userId(), o.items().stream()
            .map(i -> new InventoryClient.Restocked.Line(i.productId(), i.quantity(), i.eventId())).toList()))
            .otherwiseEmpty();
        return redis.compose(x -> giveMoneyBack(o).recover(err -> {
          LOG.warn("order {} cancelled; its money-back failed ({}), recovery retries it", LogFields.orderId(orderId),
              err.toString());
          return Future.succeededFuture();
        }));
      }).compose(x -> orders.get(orderId));
    });
  }

  /** Void, or refund what the provider says was captured; records VOIDED/REFUNDED on the cancelled order. */
  private Future<Void> giveMoneyBack(Order o) {
    if (o.paymentId() == null) {
      return orders.recordMoneyBack(o.orderId(), "NONE");
    }
    return payments.voidAuthorization(o.paymentId()).compose(p -> switch (p.status()) {
      case "VOIDED", "REFUNDED", "DECLINED" -> Future.succeededFuture(p);
      case "CAPTURED" -> payments.refund(o.paymentId());
      default -> Future.failedFuture(new PaymentClient.ProviderException("payment " + o.paymentId() + " is "
          + p.status() + " after a void"));
    }).compose(p -> "VOIDED".equals(p.status()) || "REFUNDED".equals(p.status()) || "DECLINED".equals(p.status())
        ? orders.recordMoneyBack(o.orderId(), p.status())
        : Future.failedFuture(new PaymentClient.ProviderException("payment " + o.paymentId() + " is " + p.status())));
  }

  // ------------------------------------------------------------------ helpers

  private Future<Void> releaseHold(String userId, String checkoutId) {
    return inventory.release(new InventoryClient.ReleaseRequest(userId, checkoutId, true));
  }

  /**
   * Gives back whatever the provider holds for a FAILED order: voids an authorisation, refunds a capture. Answers
   * true once nothing is held any more; false while the provider has no record yet but might still get one (within
   * the payment horizon after the order was created). Fails (for recovery to retry) when the provider cannot answer.
   */
  private Future<Boolean> moneyBackForFailed(Order o) {
    return payments.find(o.orderId()).compose(p -> {
      if (p == null) {
        return Future.succeededFuture(clock.millis() - o.createdAt().toEpochMilli() > config.paymentHorizonMillis());
      }
      Future<PaymentClient.Payment> back = switch (p.status()) {
        case "AUTHORIZED" -> payments.voidAuthorization(p.paymentId());
        case "CAPTURED" -> payments.refund(p.paymentId());
        default -> Future.succeededFuture(p);
      };
      return back.compose(after -> switch (after.status()) {
        case "VOIDED", "REFUNDED", "DECLINED" ->
            orders.settleFailed(o.orderId(), SagaStep.VOID_PENDING, after.status()).map(true);
        case "CAPTURED" -> payments.refund(after.paymentId()).compose(r -> "REFUNDED".equals(r.status())
            ? orders.settleFailed(o.orderId(), SagaStep.VOID_PENDING, "REFUNDED").map(true)
            : Future.failedFuture(new PaymentClient.ProviderException("payment " + r.paymentId() + " is " + r.status())));
        default -> Future.failedFuture(new PaymentClient.ProviderException("payment " + after.paymentId() + " is "
            + after.status() + " after giving it back"));
      });
    });
  }

  /** Test hook: {@code orders.crashAfterStep} kills the process right after a step was persisted (kill -9 drills). */
  private void crashPoint(String step) {
    if (config.crashAfterStep().equals(step)) {
      LOG.error("orders.crashAfterStep={}: halting the process now", step);
      Runtime.getRuntime().halt(137);
    }
  }

  /** ALREADY_ORDERED, naming the live order so a client that lost its answer can find it. */
  private <T> Future<T> alreadyOrdered(String checkoutId) {
    return orders.liveOrderOf(checkoutId).otherwiseEmpty().transform(ar -> Future.failedFuture(new ApiException(
        ErrorCode.ALREADY_ORDERED, "checkout '" + checkoutId + "' was already turned into an order",
        new JsonObject().put("checkoutId", checkoutId).put("orderId", ar.result()))));
  }

  static String newOrderId() {
    return Ids.random("ord_");
  }
}
