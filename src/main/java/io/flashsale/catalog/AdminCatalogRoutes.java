package io.flashsale.catalog;

import io.flashsale.http.JsonInput;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;

/** The admin HTTP API of the catalog (API.md): products, stock, events and user grades. */
public final class AdminCatalogRoutes {

  private final CatalogStore store;
  /** Makes Redis follow PostgreSQL for one product (the inventory's, given by the app's wiring: no cycle). */
  private final Function<String, Future<?>> followStock;

  public AdminCatalogRoutes(CatalogStore store, Function<String, Future<?>> followStock) {
    this.store = store;
    this.followStock = followStock;
  }

  /** Mounts the routes on a router whose {@code /admin} part is already guarded by the admin role. */
  public void mount(Router router) {
    router.put("/admin/products/:productId").handler(ctx -> respond(ctx, body -> store.upsertProduct(
        CatalogRequests.product(JsonInput.pathId(ctx.pathParam("productId"), "productId"), body))
        .map(Product::toJson)));
    router.put("/admin/products/:productId/stock").handler(ctx -> respond(ctx, body -> {
      String productId = JsonInput.pathId(ctx.pathParam("productId"), "productId");
      Long ifVersion = CatalogRequests.ifMatchVersion(ctx.request().getHeader(HttpHeaders.IF_MATCH));
      return followedByRedis(productId, store.setStock(productId, CatalogRequests.stockQuantity(body), ifVersion));
    }));
    router.post("/admin/products/:productId/stock/adjust").handler(ctx -> respond(ctx, body -> {
      String productId = JsonInput.pathId(ctx.pathParam("productId"), "productId");
      return followedByRedis(productId, store.adjustStock(productId, CatalogRequests.stockDelta(body)));
    }));
    router.put("/admin/events/:eventId").handler(ctx -> respond(ctx, body -> store.upsertEvent(
        CatalogRequests.event(JsonInput.pathId(ctx.pathParam("eventId"), "eventId"), body))
        .map(SaleEvent::toJson)));
    router.put("/admin/users/:userId").handler(ctx -> respond(ctx, body -> {
      String userId = JsonInput.pathId(ctx.pathParam("userId"), "userId");
      return store.upsertUser(userId, CatalogRequests.grade(body)).map(UserProfile::toJson);
    }));
  }

  /**
   * Read-your-writes for the admin: Redis follows before we answer. If it cannot, PostgreSQL already holds the truth
   * and the stock event on Kafka brings Redis along a moment later.
   */
  private Future<JsonObject> followedByRedis(String productId, Future<StockLevel> change) {
    return change.compose(stock -> followStock.apply(productId).transform(x -> Future.succeededFuture(stock.toJson())));
  }

  private static void respond(RoutingContext ctx, Function<JsonInput, Future<JsonObject>> action) {
    Future<JsonObject> result;
    try {
      result = action.apply(JsonInput.parse(ctx.body().buffer()));
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    result.onSuccess(json -> ctx.response().setStatusCode(200)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json.toBuffer()))
        .onFailure(ctx::fail);
  }
}
