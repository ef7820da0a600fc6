package io.flashsale.order;

import io.flashsale.infra.LogFields;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.payment.PaymentClient;
import io.flashsale.payment.PaymentConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One job, one per process: settle orders left unsettled past {@code orders.recoveryAfterMillis} — PENDING sagas,
 * captures, voids and refunds owed — at start and every {@code orders.recoverySweepMillis}, and publish the count and
 * age of unsettled payments ({@code flashsale_payments_unresolved*}), which that sweep reads.
 */
public final class OrderRecoveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OrderRecoveryVerticle.class);

  private final AppConfig config;
  private final Clock clock;
  private final AtomicLong unresolved = new AtomicLong();
  private final AtomicLong oldestUnresolvedSeconds = new AtomicLong();
  private Pool pool;
  private PaymentClient payments;
  private OrderSaga saga;
  private OrderStore orders;
  private OrdersConfig settings;
  private boolean recovering;

  public OrderRecoveryVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-order-recovery", 2);
    payments = new PaymentClient(vertx, PaymentConfig.from(config));
    saga = OrderSaga.create(vertx, pool, payments, config, clock);
    orders = saga.store();
    settings = OrdersConfig.from(config);
    registerPaymentGauges();
    vertx.setTimer(1_000, id -> recoverStalled());
    vertx.setPeriodic(settings.recoverySweepMillis(), id -> recoverStalled());
    return Future.succeededFuture();
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
          LOG.warn("recovery of order {} failed, will retry later: {}", LogFields.orderId(id), err.toString());
          return orders.backOff(id).otherwiseEmpty();
        }));
      }
      return chain;
    }).onFailure(err -> LOG.warn("order recovery sweep failed: {}", err.toString()))
        .onComplete(x -> recovering = false);
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
