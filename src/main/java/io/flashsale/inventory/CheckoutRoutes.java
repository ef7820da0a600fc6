package io.flashsale.inventory;

import io.flashsale.coupon.CouponRule;
import io.flashsale.coupon.CouponService;
import io.flashsale.display.DisplayService;
import io.flashsale.display.ViewKind;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.BusErrors;
import io.flashsale.http.JsonInput;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /api/checkouts} and {@code DELETE /api/checkouts/{id}}: validate, price each line from the product
 * views (near cache, no database), then ask the inventory to hold or release over the event bus.
 */
public final class CheckoutRoutes {

  private static final DeliveryOptions BUS = new DeliveryOptions().setSendTimeout(10_000);

  private final EventBus bus;
  private final DisplayService views;
  private final CouponService coupons;
  private final Clock clock;

  public CheckoutRoutes(EventBus bus, DisplayService views, CouponService coupons, Clock clock) {
    this.bus = bus;
    this.views = views;
    this.coupons = coupons;
    this.clock = clock;
  }

  /** Mounts the routes; {@code shopper} authenticates the caller first. */
  public void mount(Router router, Auth auth) {
    router.post("/api/checkouts").handler(auth.shopper()).handler(this::create);
    router.get("/api/checkouts/:checkoutId").handler(auth.shopper()).handler(this::get);
    router.delete("/api/checkouts/:checkoutId").handler(auth.shopper()).handler(this::release);
  }

  private void create(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    CheckoutRequest request = CheckoutRequest.parse(JsonInput.parse(ctx.body().buffer()));
    Instant now = clock.instant();
    Future<Void> eventCheck = request.eventId() == null ? Future.succeededFuture()
        : views.json(ViewKind.EVENT_PAGE, request.eventId()).map(page -> {
          Pricing.requireOpen(request.eventId(), page, now);
          return null;
        });
    List<Future<JsonObject>> productViews = new ArrayList<>();
    for (CheckoutRequest.Line line : request.items()) {
      // Never price or limit from a view the clock has outdated (its sale ended; the next may be open).
      productViews.add(views.json(ViewKind.PRODUCT, line.productId()).compose(v -> Pricing.outdated(v, now)
          ? views.jsonFromSource(ViewKind.PRODUCT, line.productId()) : Future.succeededFuture(v)));
    }
    String checkoutId = InventoryService.newCheckoutId();
    eventCheck.compose(x -> Future.all(new ArrayList<>(productViews))).compose(x -> {
      List<PricedItem> priced = new ArrayList<>();
      for (int i = 0; i < request.items().size(); i++) {
        priced.add(Pricing.price(request.items().get(i), productViews.get(i).result(), now));
      }
      Future<Long> discount = request.couponId() == null ? Future.succeededFuture(0L)
          : couponDiscount(caller.userId(), request.couponId(), priced, productViews)
              .compose(d -> coupons.reserve(caller.userId(), request.couponId(), checkoutId).map(d));
      return discount.compose(d -> {
        JsonArray items = new JsonArray();
        priced.forEach(p -> items.add(p.toBusJson()));
        return bus.<JsonObject>request(BusAddresses.INVENTORY_HOLD, new JsonObject().put("userId", caller.userId())
                .put("checkoutId", checkoutId).put("couponId", request.couponId()).put("discount", d)
                .put("items", items), BUS)
            .recover(err -> {
              Throwable api = BusErrors.toApi(err);
              // The stock was not held: give the coupon back (a no-op without one).
              return request.couponId() == null ? Future.failedFuture(api)
                  : coupons.release(checkoutId).transform(r -> Future.failedFuture(api));
            });
      });
    }).onSuccess(reply -> {
      Checkout checkout = Checkout.fromBusJson(reply.body());
      ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.LOCATION, "/api/checkouts/" + checkout.checkoutId())
          .end(checkout.toJson().toBuffer());
    }).onFailure(ctx::fail);
  }

  /** The coupon's discount on the checkout: the rule applied to each line's unit price; the best line counts once. */
  private Future<Long> couponDiscount(String userId, String couponId, List<PricedItem> priced,
                                      List<Future<JsonObject>> productViews) {
    List<Future<Long>> perLine = new ArrayList<>();
    for (int i = 0; i < priced.size(); i++) {
      JsonObject view = productViews.get(i).result();
      PricedItem item = priced.get(i);
      CouponRule.ProductFacts facts = new CouponRule.ProductFacts(item.productId(), view.getString("brand"),
          view.getString("category"), item.unitPrice());
      perLine.add(coupons.offers(userId, facts).map(offers -> offers.stream()
          .filter(o -> o.couponId().equals(couponId)).mapToLong(CouponRule.Offer::discount).max().orElse(-1)));
    }
    return Future.all(new ArrayList<>(perLine)).compose(x -> {
      long best = perLine.stream().mapToLong(Future::result).max().orElse(-1);
      return best < 0 ? Future.failedFuture(CouponService.notApplicable(couponId,
          "does not apply to these items for you now")) : Future.succeededFuture(best);
    });
  }

  /** The owner's (or an admin's) view of a checkout: items, totals, coupon, expiry and status. */
  private void get(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String checkoutId = JsonInput.pathId(ctx.pathParam("checkoutId"), "checkoutId");
    bus.<JsonObject>request(BusAddresses.INVENTORY_CHECKOUT, checkoutId, BUS).onFailure(err -> ctx.fail(BusErrors.toApi(err)))
        .onSuccess(reply -> {
          if (reply.body() == null) {
            ctx.fail(ApiException.notFound("checkout", checkoutId));
            return;
          }
          Checkout c = Checkout.fromBusJson(reply.body());
          if (!c.userId().equals(caller.userId()) && !caller.admin()) {
            ctx.fail(new ApiException(io.flashsale.http.ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
            return;
          }
          ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .end(c.toJson().put("status", c.status()).toBuffer());
        });
  }

  private void release(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String checkoutId = JsonInput.pathId(ctx.pathParam("checkoutId"), "checkoutId");
    bus.<JsonObject>request(BusAddresses.INVENTORY_RELEASE, new JsonObject().put("userId", caller.userId())
            .put("checkoutId", checkoutId), BUS)
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> ctx.fail(BusErrors.toApi(err)));
  }
}
