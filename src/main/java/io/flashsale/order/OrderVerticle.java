package io.flashsale.order;

import io.flashsale.http.BusErrors;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.PgConfig;
import io.flashsale.payment.PaymentClient;
import io.flashsale.payment.PaymentConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.time.Clock;

/**
 * One job: answer place and cancel requests on the event bus by running the {@link OrderSaga}. One instance per
 * process by default ({@code inventory.instances}): each instance's grouped statements batch only its own callers.
 */
public final class OrderVerticle extends VerticleBase {

  private final AppConfig config;
  private final Clock clock;
  private Pool pool;
  private PaymentClient payments;

  public OrderVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-orders", 4);
    payments = new PaymentClient(vertx, PaymentConfig.from(config));
    OrderSaga saga = OrderSaga.create(vertx, pool, payments, config, clock);
    MessageConsumer<JsonObject> place = vertx.eventBus().localConsumer(BusAddresses.ORDERS_PLACE, msg -> {
      OrderClient.PlaceRequest req = OrderClient.PlaceRequest.fromJson(msg.body());
      saga.place(req.userId(), req.checkoutId(), req.token(),
              req.idempotencyKey() == null ? null : new OrderStore.AnswerKey(req.userId(), req.idempotencyKey()))
          .onSuccess(p -> msg.reply(p.order().toJson(false), new DeliveryOptions()
              .addHeader(OrderClient.ANSWER_STORED, String.valueOf(p.answerStored()))))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    MessageConsumer<JsonObject> cancel = vertx.eventBus().localConsumer(BusAddresses.ORDERS_CANCEL, msg -> {
      OrderClient.CancelRequest req = OrderClient.CancelRequest.fromJson(msg.body());
      saga.cancel(req.userId(), req.orderId()).onSuccess(o -> msg.reply(o.toJson(true)))
          .onFailure(err -> BusErrors.reply(msg, err));
    });
    return Future.all(place.completion(), cancel.completion());
  }

  @Override
  public Future<?> stop() {
    return Future.join(payments.close(), pool.close());
  }
}
