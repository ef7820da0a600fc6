package io.flashsale.order;

import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.ErrorResponder;
import io.flashsale.http.JsonInput;
import io.vertx.core.Future;
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

  private final OrderClient saga;
  private final IdempotencyStore idempotency;
  private final OrderStore orders;

  public OrderRoutes(OrderClient saga, IdempotencyStore idempotency, OrderStore orders) {
    this.saga = saga;
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
    idempotency.begin(caller.userId(), key, hash).recover(err -> orphanedButKnown(err, caller.userId(), key, hash,
        checkoutId)).onFailure(ctx::fail).onSuccess(begin -> {
      if (begin.replay()) {
        replay(ctx, begin);
        return;
      }
      saga.place(new OrderClient.PlaceRequest(caller.userId(), checkoutId, token, key))
          .map(placed -> answerOf(placed.order(), placed.answerStored()))
          .recover(err -> failureAnswer(err, caller.userId(), checkoutId))
          .compose(answer -> (answer.status() >= 500 ? idempotency.abandon(caller.userId(), key)
              : answer.stored() ? idempotency.remember(caller.userId(), key, hash, answer.status(), answer.body())
              : idempotency.complete(caller.userId(), key, hash, answer.status(), answer.body())).otherwiseEmpty()
              .map(answer))
          .onSuccess(answer -> send(ctx, answer, false)).onFailure(ctx::fail);
    });
  }

  /**
   * An answer to send and to store under the key: status, body, the order's id when there is one, and whether
   * PostgreSQL already holds it (the saga stored it with the capture).
   */
  private record Answer(int status, String body, String orderId, boolean stored) {
  }

  /** 201 for a CONFIRMED order; 202 for one whose outcome is not known yet (PENDING). */
  private static Answer answerOf(JsonObject order, boolean stored) {
    return new Answer(Order.PENDING.equals(order.getString("status")) ? 202 : 201, order.encode(),
        order.getString("orderId"), stored);
  }

  /**
   * A failure, as API.md's error body — unless an order for the checkout is alive (the failure came after the order
   * was stored, e.g. the saga's answer was lost): then that order as it stands, never a freed key that would turn the
   * shopper's retry into ALREADY_ORDERED.
   */
  private Future<Answer> failureAnswer(Throwable err, String userId, String checkoutId) {
    ApiException api = ErrorResponder.classify(err, 500);
    Answer error = new Answer(api.code().status(), api.toJson().encode(), null, false);
    if (api.code().status() < 500) {
      return Future.succeededFuture(error);
    }
    return orders.liveOrderOf(checkoutId).compose(id -> id == null ? Future.<Order>succeededFuture(null) : orders.get(id))
        .map(o -> o == null || !o.userId().equals(userId) ? error : answerOf(o.toJson(false), false))
        .otherwise(error);
  }

  /**
   * A stored answer again. A 202 (outcome unknown then) answers the order as it stands now: 201 once CONFIRMED,
   * 202 while PENDING, the order's failure once FAILED, 200 with the order otherwise (e.g. CANCELLED since).
   */
  private void replay(RoutingContext ctx, IdempotencyStore.Begin begin) {
    if (begin.status() != 202) {
      send(ctx, new Answer(begin.status(), begin.body(), null, false), true);
      return;
    }
    String orderId = new JsonObject(begin.body()).getString("orderId");
    orders.get(orderId).onFailure(ctx::fail).onSuccess(o -> send(ctx, asItStands(o), true));
  }

  private static Answer asItStands(Order o) {
    if (Order.FAILED.equals(o.status())) {
      ErrorCode code = ErrorCode.UNAVAILABLE;
      try {
        code = ErrorCode.valueOf(o.failureCode());
      } catch (RuntimeException e) {
        // an internal failure code (ABANDONED): the order failed and nothing was sold or charged
      }
      ApiException api = code.status() >= 500
          ? new ApiException(ErrorCode.UNAVAILABLE, "the order failed; nothing was sold or charged, retry with a new key",
              new JsonObject().put("orderId", o.orderId()).put("failureCode", o.failureCode()))
          : new ApiException(code, "the order failed: " + o.failureCode(), new JsonObject().put("orderId", o.orderId()));
      return new Answer(api.code().status(), api.toJson().encode(), o.orderId(), false);
    }
    JsonObject json = o.toJson(false);
    return new Answer(Order.PENDING.equals(o.status()) ? 202 : Order.CONFIRMED.equals(o.status()) ? 201 : 200,
        json.encode(), o.orderId(), false);
  }

  private static void send(RoutingContext ctx, Answer answer, boolean replayed) {
    ctx.response().setStatusCode(answer.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (replayed) {
      ctx.response().putHeader("Idempotent-Replayed", "true");
    }
    if (answer.status() == 503) {
      ctx.response().putHeader("Retry-After", "1");
    }
    if (answer.status() == 202 && answer.orderId() != null) {
      ctx.response().putHeader(HttpHeaders.LOCATION, "/api/orders/" + answer.orderId());
    }
    ctx.response().end(answer.body());
  }

  /**
   * A key still "in progress" whose instance died: once recovery has settled the checkout's order, answer (and
   * record) that order instead of making the client wait for the key to go stale.
   */
  private Future<IdempotencyStore.Begin> orphanedButKnown(Throwable err, String userId, String key, String hash,
                                                          String checkoutId) {
    if (!(err instanceof ApiException api) || api.code() != ErrorCode.REQUEST_IN_PROGRESS) {
      return Future.failedFuture(err);
    }
    return orders.liveOrderOf(checkoutId).compose(orderId -> orderId == null ? Future.<Order>succeededFuture(null)
        : orders.get(orderId)).compose(o -> {
          if (o == null || !o.userId().equals(userId) || Order.PENDING.equals(o.status())) {
            return Future.failedFuture(err); // still being decided: 409 REQUEST_IN_PROGRESS, as API.md says
          }
          Answer answer = asItStands(o);
          return idempotency.complete(userId, key, hash, answer.status(), answer.body())
              .map(new IdempotencyStore.Begin(true, answer.status(), answer.body()));
        });
  }

  private void get(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    // A bad id throws ApiException; the router turns what a handler throws into the error answer.
    String orderId = JsonInput.pathId(ctx.pathParam("orderId"), "orderId");
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
    String orderId = JsonInput.pathId(ctx.pathParam("orderId"), "orderId");
    saga.cancel(new OrderClient.CancelRequest(caller.userId(), orderId))
        .onSuccess(order -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(order.toBuffer()))
        .onFailure(ctx::fail);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
