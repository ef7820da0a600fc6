package io.flashsale.order;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.Topics;
import io.flashsale.inventory.InventoryConfig;
import io.flashsale.inventory.StockLedger;
import io.flashsale.payment.PaymentClient;
import io.flashsale.payment.PaymentConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orchestrates orders: answers place and cancel requests on the event bus by running the {@link OrderSaga}. With
 * {@code recovery} (one instance per process) it also settles orders left unsettled past
 * {@code orders.recoveryAfterMillis} — PENDING sagas, captures, voids and refunds owed — at start and periodically,
 * publishes the count and age of unsettled payments ({@code flashsale_payments_unresolved*}), and expires
 * idempotency keys past {@code orders.idempotencyTtlSeconds}.
 */
public final class OrderVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OrderVerticle.class);

  private final AppConfig config;
  private final boolean recovery;
  private Pool pool;
  private PaymentClient payments;
  private OrderSaga saga;
  private OrderStore orders;
  private boolean recovering;
  private OrdersConfig settings;
  private final AtomicLong unresolved = new AtomicLong();
  private final AtomicLong oldestUnresolvedSeconds = new AtomicLong();

  public OrderVerticle(AppConfig config, boolean recovery) {
    this.config = config;
    this.recovery = recovery;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-orders", recovery ? 2 : 4);
    payments = new PaymentClient(vertx, PaymentConfig.from(config));
    orders = new OrderStore(pool, Topics.from(config));
    settings = OrdersConfig.from(config);
    saga = new OrderSaga(vertx, orders, new StockLedger(pool, Topics.from(config),
        InventoryConfig.from(config).decrementAttempts()), payments, Clock.systemUTC(), settings);
    if (recovery) {
      registerPaymentGauges();
      vertx.setTimer(1_000, id -> recoverStalled());
      vertx.setPeriodic(settings.recoverySweepMillis(), id -> recoverStalled());
      vertx.setPeriodic(60_000, id -> expireIdempotencyKeys());
      return Future.succeededFuture();
    }
    MessageConsumer<JsonObject> place = vertx.eventBus().localConsumer(BusAddresses.ORDERS_PLACE, msg -> {
      JsonObject req = msg.body();
      String key = req.getString("idempotencyKey");
      saga.place(req.getString("userId"), req.getString("checkoutId"), req.getString("token"),
              key == null ? null : new OrderStore.AnswerKey(req.getString("userId"), key))
          .onSuccess(p -> msg.reply(p.order().toJson(false), new DeliveryOptions()
              .addHeader(OrderRoutes.ANSWER_STORED, String.valueOf(p.answerStored()))))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<JsonObject> cancel = vertx.eventBus().localConsumer(BusAddresses.ORDERS_CANCEL, msg ->
        saga.cancel(msg.body().getString("userId"), msg.body().getString("orderId"))
            .onSuccess(o -> msg.reply(o.toJson(true))).onFailure(err -> BusErrors.reply(msg, err)));
    return Future.all(place.completion(), cancel.completion());
  }

  private void recoverStalled() {
    if (recovering) {
      return;
    }
    recovering = true;
    orders.unresolvedPayments().onSuccess(u -> {
      unresolved.set(u[0]);
      oldestUnresolvedSeconds.set(u[1]);
    });
    orders.stalled(settings.recoveryAfterMillis()).compose(ids -> {
      Future<Void> chain = Future.succeededFuture();
      for (String id : ids) {
        chain = chain.compose(x -> saga.recover(id).recover(err -> {
          LOG.warn("recovery of order {} failed, will retry later: {}", id, err.toString());
          return orders.backOff(id).otherwiseEmpty();
        }));
      }
      return chain;
    }).onFailure(err -> LOG.warn("order recovery sweep failed: {}", err.toString()))
        .onComplete(x -> recovering = false);
  }

  /** Keys whose answer is past its time go in batches, so the table holds about a day of orders, not all of them. */
  private void expireIdempotencyKeys() {
    expireIdempotencyKeys(0);
  }

  /** Batch after batch while batches come back full (a busy sale answers far more than one batch a minute). */
  private void expireIdempotencyKeys(long sofar) {
    int batch = 10_000;
    IdempotencyStore.expire(pool, config.integer("orders.idempotencyTtlSeconds"), batch)
        .onSuccess(n -> {
          if (n >= batch) {
            expireIdempotencyKeys(sofar + n);
          } else if (sofar + n > 0) {
            LOG.info("expired {} idempotency keys", sofar + n);
          }
        })
        .onFailure(err -> LOG.warn("expiring idempotency keys failed, retried in a minute: {}", err.toString()));
  }

  /** Orders owing a capture, void or refund, and the age of the oldest: an operator's "money not settled" alarm. */
  private void registerPaymentGauges() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      Gauge.builder("flashsale_payments_unresolved", unresolved, AtomicLong::get)
          .description("orders whose payment still owes a capture, void or refund (recovery retries them)")
          .register(registry);
      Gauge.builder("flashsale_payments_unresolved_oldest_seconds", oldestUnresolvedSeconds, AtomicLong::get)
          .description("age of the oldest order whose payment is not settled").register(registry);
    }
  }

  @Override
  public Future<?> stop() {
    return Future.join(payments.close(), pool.close());
  }
}
