package io.flashsale.checkout;

import io.flashsale.admission.AdmissionGate;
import io.flashsale.coupon.CouponRule;
import io.flashsale.coupon.CouponService;
import io.flashsale.display.DisplayService;
import io.flashsale.display.ViewKind;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.JsonInput;
import io.flashsale.inventory.Checkout;
import io.flashsale.inventory.InventoryClient;
import io.flashsale.inventory.InventoryService;
import io.flashsale.inventory.PricedItem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /api/checkouts}, {@code GET} and {@code DELETE /api/checkouts/{id}}: validate, price each line from the
 * product views (near cache, no database), then ask the inventory to hold, show or release over the event bus.
 */
public final class CheckoutRoutes {

  private final InventoryClient inventory;
  private final DisplayService views;
  private final CouponService coupons;
  private final AdmissionGate admission;
  private final Clock clock;

  public CheckoutRoutes(InventoryClient inventory, DisplayService views, CouponService coupons,
                        AdmissionGate admission, Clock clock) {
    this.inventory = inventory;
    this.admission = admission;
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
    productViews(request, now)
        .compose(lines -> requireEventOpen(request.eventId(), lines, now).map(lines))
        .map(lines -> requireAdmission(caller.userId(), request.eventId(), lines,
            ctx.request().headers().getAll(AdmissionGate.HEADER), now))
        .compose(lines -> hold(caller.userId(), request, lines, now))
        .onSuccess(checkout -> ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaders.LOCATION, "/api/checkouts/" + checkout.checkoutId())
            .end(checkout.toJson().toBuffer()))
        .onFailure(ctx::fail);
  }

  /** Each line's product view (null for an unknown product), never one the clock has outdated. */
  private Future<List<JsonObject>> productViews(CheckoutRequest request, Instant now) {
    List<Future<JsonObject>> lines = new ArrayList<>(request.items().size());
    for (CheckoutRequest.Line line : request.items()) {
      // A view whose sale has ended may miss the sale that follows: price from one built now instead.
      lines.add(views.json(ViewKind.PRODUCT, line.productId()).compose(v -> Pricing.outdated(v, now)
          ? views.jsonFromSource(ViewKind.PRODUCT, line.productId()) : Future.succeededFuture(v)));
    }
    return Future.all(new ArrayList<>(lines)).map(all -> all.list());
  }

  /**
   * A checkout that names an event must be inside its window. A line's product view carries the window of the sale
   * it is in, so the event page (every product of the event) is read only when no line shows that event.
   */
  private Future<Void> requireEventOpen(String eventId, List<JsonObject> lines, Instant now) {
    if (eventId == null) {
      return Future.succeededFuture();
    }
    for (JsonObject view : lines) {
      JsonObject event = view == null ? null : view.getJsonObject("event");
      if (event != null && eventId.equals(event.getString("eventId"))) {
        Pricing.requireOpen(eventId, event, now);
        return Future.succeededFuture();
      }
    }
    return views.json(ViewKind.EVENT_PAGE, eventId).map(page -> {
      Pricing.requireOpen(eventId, page, now);
      return null;
    });
  }

  /**
   * An event that runs a waiting room lets in only shoppers it admitted: a checkout that names it, or holds an item of
   * it while it is open, needs this user's admission token for it — checked before anything is reserved or held.
   */
  private List<JsonObject> requireAdmission(String userId, String eventId, List<JsonObject> lines,
                                            List<String> tokens, Instant now) {
    Set<String> events = new LinkedHashSet<>();
    if (eventId != null) {
      events.add(eventId);
    }
    for (JsonObject view : lines) {
      JsonObject event = view == null ? null : view.getJsonObject("event");
      if (event != null && Pricing.isOpen(event, now)) {
        events.add(event.getString("eventId"));
      }
    }
    if (!events.isEmpty() && !admission.ready()) {
      throw ApiException.unavailable("the waiting rooms are not known yet on this instance; retry shortly, nothing"
          + " was held");
    }
    Set<String> guarded = new LinkedHashSet<>();
    events.stream().filter(admission::guards).forEach(guarded::add);
    guarded.forEach(id -> admission.require(userId, id, tokens, now));
    return lines;
  }

  /** Prices the lines, reserves the coupon at its discount, holds the stock; a refused hold gives the coupon back. */
  private Future<Checkout> hold(String userId, CheckoutRequest request, List<JsonObject> lines, Instant now) {
    List<PricedItem> priced = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      priced.add(Pricing.price(request.items().get(i), lines.get(i), now));
    }
    String checkoutId = InventoryService.newCheckoutId();
    String couponId = request.couponId();
    if (couponId == null) {
      return holdOrGiveBack(new InventoryClient.HoldRequest(checkoutId, userId, priced, null, 0));
    }
    return coupons.discount(userId, couponId, facts(priced, lines))
        .compose(discount -> coupons.reserve(userId, couponId, checkoutId).map(discount))
        .compose(discount -> holdOrGiveBack(new InventoryClient.HoldRequest(checkoutId, userId, priced, couponId,
            discount)).recover(err -> coupons.release(checkoutId).transform(r -> Future.failedFuture(err))));
  }

  /**
   * The hold, or its failure. A 4xx means nothing was held. A 5xx or a lost answer may hide a hold that was stored:
   * the inventory's compensation gives it back PostgreSQL first (with its coupon reservation) before the shopper is
   * told to retry, instead of leaving the units held until the hold expires.
   */
  private Future<Checkout> holdOrGiveBack(InventoryClient.HoldRequest request) {
    return inventory.hold(request).recover(err -> err instanceof ApiException api && api.code().status() < 500
        ? Future.failedFuture(err)
        : inventory.release(new InventoryClient.ReleaseRequest(request.userId(), request.checkoutId(), true))
            .transform(r -> Future.failedFuture(err)));
  }

  /** What the coupon rule needs of each line: the product at the unit price it is sold at now. */
  private static List<CouponRule.ProductFacts> facts(List<PricedItem> priced, List<JsonObject> lines) {
    List<CouponRule.ProductFacts> out = new ArrayList<>(priced.size());
    for (int i = 0; i < priced.size(); i++) {
      out.add(new CouponRule.ProductFacts(priced.get(i).productId(), lines.get(i).getString("brand"),
          lines.get(i).getString("category"), priced.get(i).unitPrice()));
    }
    return out;
  }

  /** The owner's (or an admin's) view of a checkout: items, totals, coupon, expiry and status. */
  private void get(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String checkoutId = JsonInput.pathId(ctx.pathParam("checkoutId"), "checkoutId");
    inventory.checkout(checkoutId).compose(c -> {
      if (c == null) {
        return Future.<Checkout>failedFuture(ApiException.notFound("checkout", checkoutId));
      }
      if (!c.userId().equals(caller.userId()) && !caller.admin()) {
        return Future.<Checkout>failedFuture(new ApiException(ErrorCode.FORBIDDEN, "this checkout belongs to someone else"));
      }
      return Future.succeededFuture(c);
    }).onSuccess(c -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(c.toJson().put("status", c.status()).toBuffer())).onFailure(ctx::fail);
  }

  private void release(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String checkoutId = JsonInput.pathId(ctx.pathParam("checkoutId"), "checkoutId");
    inventory.release(new InventoryClient.ReleaseRequest(caller.userId(), checkoutId, false))
        .onSuccess(x -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }
}
