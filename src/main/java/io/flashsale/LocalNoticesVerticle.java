package io.flashsale;

import io.flashsale.coupon.CouponService;
import io.flashsale.display.DisplayService;
import io.flashsale.infra.BusAddresses;
import io.flashsale.inventory.SoldOutBoard;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * One job, one per process: apply the local bus's notices to the state this process's verticles share — a stock
 * change to the sold-out board, a view invalidation to the near cache, a coupon change to the coupon definitions.
 * Once per process, not per API verticle: each notice is applied once to the one shared copy.
 */
final class LocalNoticesVerticle extends VerticleBase {

  private final SoldOutBoard board;
  private final DisplayService.Shared display;
  private final CouponService.Definitions coupons;

  LocalNoticesVerticle(SoldOutBoard board, DisplayService.Shared display, CouponService.Definitions coupons) {
    this.board = board;
    this.display = display;
    this.coupons = coupons;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<String> stock = vertx.eventBus().localConsumer(BusAddresses.STOCK_CHANGED,
        msg -> board.apply(msg.body()));
    // A sender that asks for an answer (an ops tool, a test) learns when the near cache has applied it.
    MessageConsumer<String> views = vertx.eventBus().localConsumer(BusAddresses.VIEW_INVALIDATED, msg -> {
      display.invalidated(msg.body());
      if (msg.replyAddress() != null) {
        msg.reply(null);
      }
    });
    MessageConsumer<String> couponChanges = vertx.eventBus().localConsumer(BusAddresses.COUPON_CHANGED,
        msg -> coupons.invalidate(msg.body()));
    return Future.all(stock.completion(), views.completion(), couponChanges.completion());
  }
}
