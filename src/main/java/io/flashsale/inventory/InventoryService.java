package io.flashsale.inventory;

import io.flashsale.infra.LogFields;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.Ids;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The request path of stock: holds, releases and confirms through the three layers — Redis Lua (all-or-nothing holds
 * with per-user limits), Redlock around the database decrement, and PostgreSQL's versioned decrement as the final
 * truth. Confirms are group-committed by {@link StockConfirms}; expiry, recovery, rebuild and reconcile — Redis
 * following PostgreSQL — are {@link StockRecovery}'s.
 */
public final class InventoryService {

  private static final Logger LOG = LoggerFactory.getLogger(InventoryService.class);

  private final StockCache cache;
  private final StockLedger ledger;
  private final SoldOutBoard board;
  private final Clock clock;
  private final Duration holdTtl;
  private final StockRecovery recovery;
  private final StockConfirms confirms;

  public InventoryService(Vertx vertx, StockCache cache, StockLedger ledger, Redlock redlock, RedisKeys keys,
                          SoldOutBoard board, Clock clock, InventoryConfig config, ConfirmHook confirmHook) {
    this.cache = cache;
    this.ledger = ledger;
    this.board = board;
    this.clock = clock;
    this.holdTtl = config.holdTtl();
    this.recovery = new StockRecovery(vertx, cache, ledger, redlock, keys, board, clock, config);
    this.confirms = new StockConfirms(recovery, cache, ledger, redlock, keys, clock, config, confirmHook);
  }

  // ------------------------------------------------------------------ hold

  /** Holds every item or none; answers the checkout (201) or SOLD_OUT / LIMIT_EXCEEDED / 503. */
  public Future<Checkout> hold(String userId, List<PricedItem> items, String couponId) {
    return hold(newCheckoutId(), userId, items, couponId, 0);
  }

  /** Holds with a caller-chosen id (a coupon was reserved for it) and the coupon's discount. */
  public Future<Checkout> hold(String checkoutId, String userId, List<PricedItem> items, String couponId,
                               long discount) {
    for (PricedItem item : items) {
      if (board.isSoldOut(item.productId())) {
        return Future.failedFuture(soldOut(item.productId(), 0));
      }
    }
    Checkout checkout = Checkout.create(checkoutId, userId, items, couponId, discount,
        Instant.ofEpochMilli(clock.millis()).plus(holdTtl));
    return holdInRedis(checkout, 0).compose(x -> ledger.insertCheckout(checkout).recover(err -> {
      LOG.warn("checkout {} held in Redis but maybe not stored in PostgreSQL ({}); giving the units back",
          LogFields.checkoutId(checkout.checkoutId()), err.toString());
      // The insert may have committed with its answer lost: give back through PostgreSQL like any release (if that
      // fails too, the hold's expiry gives the units back later, PostgreSQL first).
      return recovery.giveBack(userId, checkout.checkoutId(), checkout.productIds(), Checkout.RELEASED).otherwiseEmpty()
          .transform(r -> Future.failedFuture(ApiException.unavailable("could not store the checkout; retry shortly")));
    })).map(checkout);
  }

  private Future<Void> holdInRedis(Checkout checkout, int retries) {
    return cache.hold(checkout).compose(answer -> switch (answer.code()) {
      case "OK" -> Future.<Void>succeededFuture();
      case "SOLD_OUT" -> {
        // Only "none left" flags the product: a buyer asking for more than is left must not close it for others.
        if (answer.number() == 0) {
          board.markSoldOut(answer.productId());
        }
        yield Future.failedFuture(soldOut(answer.productId(), answer.number()));
      }
      case "LIMIT_EXCEEDED" -> {
        PricedItem item = checkout.items().stream().filter(i -> i.productId().equals(answer.productId())).findFirst()
            .orElseThrow();
        yield Future.failedFuture(new ApiException(ErrorCode.LIMIT_EXCEEDED, "at most " + item.limitPerUser()
            + " of '" + item.productId() + "' per shopper in event '" + item.eventId() + "'; "
            + answer.number() + " left for you", new JsonObject().put("productId", item.productId())
            .put("eventId", item.eventId()).put("limitPerUser", item.limitPerUser()).put("remaining", answer.number())));
      }
      // Redis does not hold the product's stock (new, or lost with a flush or a cluster master): load it once; still
      // not there means PostgreSQL has no stock row for it.
      // (one load per retry: a checkout may name several products Redis lost)
      case "NOT_LOADED" -> retries >= checkout.items().size() ? Future.failedFuture(soldOut(answer.productId(), 0))
          : recovery.load(answer.productId()).compose(x -> holdInRedis(checkout, retries + 1));
      default -> Future.failedFuture(new IllegalStateException("hold script answered " + answer.code()));
    });
  }

  // ------------------------------------------------------------------ release

  /** The owner's DELETE: gives the units back; idempotent. A checkout already turned into an order answers 409. */
  public Future<Void> release(String userId, String checkoutId) {
    return ledger.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (!c.userId().equals(userId)) {
        return Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
      }
      return giveBack(c.userId(), checkoutId, c.productIds());
    });
  }

  /** Compensation (also for the order saga): gives a held checkout's units back; idempotent. */
  public Future<Void> compensate(String userId, String checkoutId) {
    return giveBack(userId, checkoutId, null);
  }

  private Future<Void> giveBack(String userId, String checkoutId, List<String> productIds) {
    return recovery.giveBack(userId, checkoutId, productIds, Checkout.RELEASED).compose(status -> Checkout.CONFIRMED.equals(status)
        ? Future.failedFuture(new ApiException(ErrorCode.ALREADY_ORDERED,
            "checkout '" + checkoutId + "' was already turned into an order",
            new JsonObject().put("checkoutId", checkoutId)))
        : Future.succeededFuture());
  }

  // ------------------------------------------------------------------ confirm (see StockConfirms)

  /** Confirms a checkout for no order (tools and tests); see {@link StockConfirms#confirm}. */
  public Future<Checkout> confirm(String checkoutId, String orderId, long deadlineMillis) {
    return confirms.confirm(null, checkoutId, orderId, null, deadlineMillis).map(StockConfirms.Confirmation::checkout);
  }

  /** Group-commits the confirm of a checkout for an order (see {@link StockConfirms#confirm}). */
  public Future<StockConfirms.Confirmation> confirm(Checkout known, String checkoutId, String orderId, String paymentId,
                                                    long deadlineMillis) {
    return confirms.confirm(known, checkoutId, orderId, paymentId, deadlineMillis);
  }

  /** Expiry, recovery, rebuild and reconcile of this inventory. */
  public StockRecovery recovery() {
    return recovery;
  }

  // ------------------------------------------------------------------ helpers

  static ApiException soldOut(String productId, long available) {
    return new ApiException(ErrorCode.SOLD_OUT, available == 0 ? "'" + productId + "' is sold out"
        : "only " + available + " of '" + productId + "' left", new JsonObject().put("productId", productId)
        .put("available", available));
  }

  static ApiException holdExpired(Checkout c) {
    return new ApiException(ErrorCode.HOLD_EXPIRED, "the hold of checkout '" + c.checkoutId()
        + "' has expired or was released", new JsonObject().put("checkoutId", c.checkoutId()));
  }

  public static String newCheckoutId() {
    return Ids.random("co_");
  }
}
