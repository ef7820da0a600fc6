package io.flashsale.order;

import io.flashsale.catalog.CatalogRequests;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.BusErrors;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.ErrorResponder;
import io.flashsale.http.JsonInput;
import io.flashsale.infra.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code POST /api/orders} (with Idempotency-Key), {@code GET /api/orders/{id}}, {@code POST /api/orders/{id}/cancel}. */
public final class OrderRoutes {

  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,64}");
  private static final DeliveryOptions BUS = new DeliveryOptions().setSendTimeout(30_000);

  private final EventBus bus;
  private final IdempotencyStore idempotency;
  private final OrderStore orders;

  public OrderRoutes(EventBus bus, IdempotencyStore idempotency, OrderStore orders) {
    this.bus = bus;
    this.idempotency = idempotency;
    this.orders = orders;
  }

  public void mount(Router router, Auth auth) {
    router.post("/api/orders").handler(auth.shopper()).handler(this::place);
    router.get("/api/orders/:orderId").handler(auth.shopper()).handler(this::get);
    router.post("/api/orders/:orderId/cancel").handler(auth.shopper()).handler(this::cancel);
  }

  private void place(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String key = ctx.request().getHeader("Idempotency-Key");
    String checkoutId;
    String token;
    try {
      if (key == null || !KEY.matcher(key).matches()) {
        throw new ApiException(ErrorCode.BAD_REQUEST, "header Idempotency-Key (1-64 visible characters) is required",
            new JsonObject().put("field", "Idempotency-Key"));
      }
      JsonInput body = JsonInput.parse(ctx.body().buffer()).allowOnly(Set.of("checkoutId", "payment"));
      checkoutId = body.id("checkoutId");
      JsonInput payment = body.objectField("payment").allowOnly(Set.of("method", "token"));
      String method = payment.string("method", 16);
      if (!"CARD".equals(method)) {
        throw ApiException.badRequest("'payment.method' must be CARD", "payment.method");
      }
      token = payment.string("token", 128);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    String hash = sha256(checkoutId + "\n" + token);
    idempotency.begin(caller.userId(), key, hash).recover(err -> orphanedButDone(err, caller.userId(), key, hash,
        checkoutId)).onFailure(ctx::fail).onSuccess(begin -> {
      if (begin.replay()) {
        ctx.response().setStatusCode(begin.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .putHeader("Idempotent-Replayed", "true").end(begin.body());
        return;
      }
      bus.<JsonObject>request(BusAddresses.ORDERS_PLACE, new JsonObject().put("userId", caller.userId())
          .put("checkoutId", checkoutId).put("token", token), BUS).transform(ar -> {
            int status;
            String body;
            if (ar.succeeded()) {
              status = 201;
              body = ar.result().body().encode();
            } else {
              ApiException api = ErrorResponder.classify(BusErrors.toApi(ar.cause()), 500);
              status = api.code().status();
              body = new JsonObject().put("error", new JsonObject().put("code", api.code().name())
                  .put("message", api.getMessage()).put("details", api.details())).encode();
            }
            Future<Void> record = status >= 500 ? idempotency.abandon(caller.userId(), key)
                : idempotency.complete(caller.userId(), key, hash, status, body);
            int finalStatus = status;
            return record.otherwiseEmpty().map(x -> new Object[] {finalStatus, body});
          }).onSuccess(answer -> {
            int status = (Integer) answer[0];
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            if (status == 503) {
              ctx.response().putHeader("Retry-After", "1");
            }
            ctx.response().end((String) answer[1]);
          }).onFailure(ctx::fail);
    });
  }

  /**
   * A key still "in progress" whose instance died: if recovery has meanwhile confirmed the checkout's order, answer
   * (and record) that order instead of making the client wait for the key to go stale.
   */
  private Future<IdempotencyStore.Begin> orphanedButDone(Throwable err, String userId, String key, String hash,
                                                         String checkoutId) {
    if (!(err instanceof ApiException api) || api.code() != ErrorCode.REQUEST_IN_PROGRESS) {
      return Future.failedFuture(err);
    }
    return orders.liveOrderOf(checkoutId).compose(orderId -> orderId == null ? Future.<Order>succeededFuture(null)
        : orders.get(orderId)).compose(o -> {
          if (o == null || !Order.CONFIRMED.equals(o.status()) || !o.userId().equals(userId)) {
            return Future.failedFuture(err);
          }
          String body = o.toJson(false).encode();
          return idempotency.complete(userId, key, hash, 201, body).map(new IdempotencyStore.Begin(true, 201, body));
        });
  }

  private void get(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String orderId = CatalogRequests.pathId(ctx.pathParam("orderId"), "orderId");
    orders.get(orderId).onFailure(ctx::fail).onSuccess(o -> {
      if (o == null) {
        ctx.fail(ApiException.notFound("order", orderId));
      } else if (!o.userId().equals(caller.userId()) && !caller.admin()) {
        ctx.fail(new ApiException(ErrorCode.FORBIDDEN, "this order belongs to someone else"));
      } else {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(o.toJson(true).toBuffer());
      }
    });
  }

  private void cancel(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String orderId = CatalogRequests.pathId(ctx.pathParam("orderId"), "orderId");
    bus.<JsonObject>request(BusAddresses.ORDERS_CANCEL, new JsonObject().put("userId", caller.userId())
            .put("orderId", orderId), BUS)
        .onSuccess(reply -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(reply.body().toBuffer()))
        .onFailure(err -> ctx.fail(BusErrors.toApi(err)));
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
