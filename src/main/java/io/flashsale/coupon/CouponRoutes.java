package io.flashsale.coupon;

import io.flashsale.display.DisplayService;
import io.flashsale.display.ViewKind;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.JsonInput;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.time.Instant;

/** Admin coupons and grants, and the shopper's {@code GET /api/products/{id}/coupons}. */
public final class CouponRoutes {

  private final CouponStore store;
  private final CouponService coupons;
  private final DisplayService views;
  private final Clock clock;

  public CouponRoutes(CouponStore store, CouponService coupons, DisplayService views, Clock clock) {
    this.store = store;
    this.coupons = coupons;
    this.views = views;
    this.clock = clock;
  }

  public void mount(Router router, Auth auth) {
    router.put("/admin/coupons/:couponId").handler(ctx -> {
      String couponId = JsonInput.pathId(ctx.pathParam("couponId"), "couponId");
      Coupon c = CouponRequests.coupon(couponId, JsonInput.parse(ctx.body().buffer()));
      store.upsert(c).onSuccess(saved -> json(ctx, 200, saved.toJson())).onFailure(ctx::fail);
    });
    router.post("/admin/coupons/:couponId/grants").handler(ctx -> {
      String couponId = JsonInput.pathId(ctx.pathParam("couponId"), "couponId");
      store.grant(couponId, CouponRequests.userIds(JsonInput.parse(ctx.body().buffer())))
          .onSuccess(n -> json(ctx, 200, new JsonObject().put("granted", n))).onFailure(ctx::fail);
    });
    router.get("/api/products/:productId/coupons").handler(auth.shopper()).handler(this::lookup);
  }

  private void lookup(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String productId = JsonInput.pathId(ctx.pathParam("productId"), "productId");
    views.json(ViewKind.PRODUCT, productId).compose(view -> {
      if (view == null) {
        throw ApiException.notFound("product", productId);
      }
      CouponRule.ProductFacts facts = facts(view, clock.instant());
      return coupons.offers(caller.userId(), facts)
          .map(offers -> CouponService.toJson(productId, caller.userId(), facts.price(), offers));
    }).onSuccess(body -> json(ctx, 200, body)).onFailure(ctx::fail);
  }

  /** The rule's price: the sale price while the product's event is open, else the list price. */
  public static CouponRule.ProductFacts facts(JsonObject productView, Instant now) {
    long price = productView.getLong("price");
    JsonObject event = productView.getJsonObject("event");
    if (event != null && !now.isBefore(Instant.parse(event.getString("startsAt")))
        && now.isBefore(Instant.parse(event.getString("endsAt")))) {
      price = event.getLong("salePrice");
    }
    return new CouponRule.ProductFacts(productView.getString("productId"), productView.getString("brand"),
        productView.getString("category"), price);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
  }
}
