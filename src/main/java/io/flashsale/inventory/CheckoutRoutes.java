package io.flashsale.inventory;

import io.flashsale.display.DisplayService;
import io.flashsale.display.ViewKind;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.BusErrors;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.JsonInput;
import io.flashsale.catalog.CatalogRequests;
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
  private final Clock clock;

  public CheckoutRoutes(EventBus bus, DisplayService views, Clock clock) {
    this.bus = bus;
    this.views = views;
    this.clock = clock;
  }

  /** Mounts the routes; {@code shopper} authenticates the caller first. */
  public void mount(Router router, Auth auth) {
    router.post("/api/checkouts").handler(auth.shopper()).handler(this::create);
    router.delete("/api/checkouts/:checkoutId").handler(auth.shopper()).handler(this::release);
  }

  private void create(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    CheckoutRequest request;
    try {
      request = CheckoutRequest.parse(JsonInput.parse(ctx.body().buffer()));
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    if (request.couponId() != null) {
      ctx.fail(new ApiException(ErrorCode.COUPON_NOT_APPLICABLE, "coupons cannot be used yet",
          new JsonObject().put("couponId", request.couponId())));
      return;
    }
    Instant now = clock.instant();
    Future<Void> eventCheck = request.eventId() == null ? Future.succeededFuture()
        : views.json(ViewKind.EVENT_PAGE, request.eventId()).map(page -> {
          Pricing.requireOpen(request.eventId(), page, now);
          return null;
        });
    List<Future<PricedItem>> priced = new ArrayList<>();
    for (CheckoutRequest.Line line : request.items()) {
      priced.add(views.json(ViewKind.PRODUCT, line.productId()).map(view -> Pricing.price(line, view, now)));
    }
    eventCheck.compose(x -> Future.all(new ArrayList<>(priced))).compose(x -> {
      JsonArray items = new JsonArray();
      priced.forEach(p -> items.add(p.result().toBusJson()));
      return bus.<JsonObject>request(BusAddresses.INVENTORY_HOLD, new JsonObject().put("userId", caller.userId())
          .put("items", items), BUS).recover(err -> Future.failedFuture(BusErrors.toApi(err)));
    }).onSuccess(reply -> {
      Checkout checkout = Checkout.fromBusJson(reply.body());
      ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.LOCATION, "/api/checkouts/" + checkout.checkoutId())
          .end(checkout.toJson().toBuffer());
    }).onFailure(ctx::fail);
  }

  private void release(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String checkoutId = CatalogRequests.pathId(ctx.pathParam("checkoutId"), "checkoutId");
    bus.<JsonObject>request(BusAddresses.INVENTORY_RELEASE, new JsonObject().put("userId", caller.userId())
            .put("checkoutId", checkoutId), BUS)
        .onSuccess(x -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> ctx.fail(BusErrors.toApi(err)));
  }
}
