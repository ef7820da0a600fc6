package io.flashsale.payment;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.GroupCommit;
import io.flashsale.infra.GroupedStatement;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A stand-in for the external payment provider, on its own port, with its own books (table {@code sim_payments}):
 * authorise, capture, void, refund — each idempotent — and fault switches for drills ({@code PUT /v1/faults}).
 * Test tokens: {@code tok_ok} approves, {@code tok_declined} declines, {@code tok_error} fails with a 500,
 * {@code tok_slow} answers after {@code payment.simulator.slowMillis}; any other token approves. Fault switches:
 * {@code errorRate} and {@code latencyMillis} for every call, {@code captureLateRate} and {@code captureLateMillis}
 * for captures that are applied at once but answered after their caller gave up.
 */
public final class PaymentSimulatorVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PaymentSimulatorVerticle.class);
  private static final String ANSWER_DELAY = "answerDelayMillis";
  /**
   * The books' group commit: callers waiting at most, rows per statement, how long one may wait for its batch (well
   * inside a client's timeout, payment.timeoutMillis, 2 s by default), and after how long a batch without PostgreSQL's
   * answer stops holding the next one.
   */
  private static final int BATCH_WAITING = 2_000;
  private static final int BATCH_MAX = 64;
  private static final long BATCH_WAIT_MILLIS = 500;
  private static final long BATCH_STALL_MILLIS = 1_000;

  /** A payment to authorise. */
  private record NewPayment(String paymentId, String key, long amount, String token, String status) {
  }

  /** A capture or void of an authorised payment. */
  private record Settle(String paymentId, String target) {
  }

  private final AppConfig config;
  private Pool pool;
  private HttpServer server;
  private GroupedStatement<NewPayment, JsonObject> authorizations;
  private GroupedStatement<Settle, JsonObject> settlements;
  private volatile double errorRate;
  private volatile long latencyMillis;
  private volatile double captureLateRate;
  private volatile long captureLateMillis;

  public PaymentSimulatorVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-payment-sim", 4);
    // The books are written as a busy provider's would be: payments arriving together share a statement and a commit.
    authorizations = new GroupedStatement<>("payment authorisations", BATCH_WAITING, BATCH_MAX, BATCH_WAIT_MILLIS,
        BATCH_STALL_MILLIS, this::authorizeAll);
    settlements = new GroupedStatement<>("captures and voids", BATCH_WAITING, BATCH_MAX, BATCH_WAIT_MILLIS,
        BATCH_STALL_MILLIS, this::settleAll);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(16 * 1024));
    router.put("/v1/faults").handler(this::setFaults);
    router.get("/v1/faults").handler(ctx -> json(ctx, 200, faults()));
    router.route("/v1/authorizations*").handler(this::faultInjection);
    router.route("/v1/payments/*").handler(this::faultInjection);
    router.post("/v1/authorizations").handler(this::authorize);
    router.get("/v1/authorizations").handler(this::find);
    router.post("/v1/payments/:paymentId/capture").handler(this::lateCapture);
    router.post("/v1/payments/:paymentId/capture").handler(ctx -> transition(ctx, "CAPTURED"));
    router.post("/v1/payments/:paymentId/void").handler(ctx -> transition(ctx, "VOIDED"));
    router.post("/v1/payments/:paymentId/refund").handler(ctx -> transition(ctx, "REFUNDED"));
    router.get("/v1/payments/:paymentId").handler(ctx -> byId(ctx.pathParam("paymentId")).onSuccess(p ->
        json(ctx, p == null ? 404 : 200, p == null ? error("no such payment") : p)).onFailure(ctx::fail));
    router.route().failureHandler(ctx -> {
      if (ctx.failure() instanceof GroupCommit.NotStarted) { // nothing was written: a busy provider's 503
        ctx.response().putHeader("Retry-After", "1");
        json(ctx, 503, error(ctx.failure().getMessage()));
        return;
      }
      if (ctx.failure() != null) {
        LOG.warn("payment simulator: {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      }
      json(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500,
          error(ctx.failure() == null ? "failed" : ctx.failure().getMessage()));
    });
    server = vertx.createHttpServer();
    return server.requestHandler(router).listen(config.integer("payment.simulator.port"), "127.0.0.1");
  }

  private JsonObject faults() {
    return new JsonObject().put("errorRate", errorRate).put("latencyMillis", latencyMillis)
        .put("captureLateRate", captureLateRate).put("captureLateMillis", captureLateMillis);
  }

  private void setFaults(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    errorRate = Math.max(0, Math.min(1, body.getDouble("errorRate", 0.0)));
    latencyMillis = Math.max(0, Math.min(60_000, body.getLong("latencyMillis", 0L)));
    captureLateRate = Math.max(0, Math.min(1, body.getDouble("captureLateRate", 0.0)));
    captureLateMillis = Math.max(0, Math.min(60_000, body.getLong("captureLateMillis", 0L)));
    json(ctx, 200, faults());
  }

  private void faultInjection(RoutingContext ctx) {
    if (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate) {
      json(ctx, 500, error("injected provider failure"));
      return;
    }
    if (latencyMillis > 0) {
      vertx.setTimer(latencyMillis, id -> ctx.next());
    } else {
      ctx.next();
    }
  }

  /**
   * Drills: a share of captures is applied at once but answered only after {@code captureLateMillis} — past the
   * client's timeout, so the client cannot know the money moved (a cancel then meets a payment already CAPTURED).
   */
  private void lateCapture(RoutingContext ctx) {
    if (captureLateRate > 0 && ThreadLocalRandom.current().nextDouble() < captureLateRate) {
      ctx.put(ANSWER_DELAY, Math.max(1, captureLateMillis));
    }
    ctx.next();
  }

  private void authorize(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    String key = body.getString("idempotencyKey");
    String token = body.getString("token", "");
    Long amount = body.getLong("amount");
    if (key == null || amount == null || amount < 0) {
      json(ctx, 400, error("idempotencyKey and a non-negative amount are required"));
      return;
    }
    if ("tok_error".equals(token)) {
      json(ctx, 500, error("provider error"));
      return;
    }
    Future<Void> delay = Future.succeededFuture();
    if ("tok_slow".equals(token)) {
      Promise<Void> p = Promise.promise();
      vertx.setTimer(config.integer("payment.simulator.slowMillis"), id -> p.complete());
      delay = p.future();
    }
    String status = "tok_declined".equals(token) ? "DECLINED" : "AUTHORIZED";
    // One statement (shared with the payments arriving with it) for a new payment; a repeated key reads the payment
    // it made the first time.
    NewPayment p = new NewPayment("pay_" + UUID.randomUUID().toString().replace("-", ""), key, amount, token, status);
    delay.compose(x -> authorizations.run(p))
        .compose(made -> made != null ? Future.succeededFuture(made) : byKey(key))
        .onSuccess(made -> json(ctx, "DECLINED".equals(made.getString("status")) ? 402 : 201, made))
        .onFailure(ctx::fail);
  }

  private Future<List<JsonObject>> authorizeAll(List<NewPayment> ps) {
    return pool.preparedQuery(SimulatorSql.AUTHORIZE).execute(Tuple.wrap(new Object[] {
            ps.stream().map(NewPayment::paymentId).toArray(String[]::new),
            ps.stream().map(NewPayment::key).toArray(String[]::new),
            ps.stream().map(NewPayment::amount).toArray(Long[]::new),
            ps.stream().map(NewPayment::token).toArray(String[]::new),
            ps.stream().map(NewPayment::status).toArray(String[]::new)}))
        .map(rs -> inOrder(rs, ps.stream().map(NewPayment::paymentId).toList()));
  }

  private Future<List<JsonObject>> settleAll(List<Settle> ss) {
    return pool.preparedQuery(SimulatorSql.SETTLE_AUTHORIZED).execute(Tuple.wrap(new Object[] {
            ss.stream().map(Settle::paymentId).toArray(String[]::new),
            ss.stream().map(Settle::target).toArray(String[]::new)}))
        .map(rs -> inOrder(rs, ss.stream().map(Settle::paymentId).toList()));
  }

  /** The row of each payment id in {@code ids}' order ({@code null}: the statement made or moved none). */
  private static List<JsonObject> inOrder(RowSet<Row> rs, List<String> ids) {
    Map<String, JsonObject> byId = new HashMap<>();
    rs.forEach(r -> byId.put(r.getString("payment_id"), toJson(r)));
    List<JsonObject> out = new ArrayList<>(ids.size());
    ids.forEach(id -> out.add(byId.get(id)));
    return out;
  }

  private static JsonObject first(RowSet<Row> rs) {
    return rs.size() == 1 ? toJson(rs.iterator().next()) : null;
  }

  private void find(RoutingContext ctx) {
    String key = ctx.queryParams().get("idempotencyKey");
    byKey(key == null ? "" : key).onSuccess(p -> json(ctx, p == null ? 404 : 200, p == null ? error("none") : p))
        .onFailure(ctx::fail);
  }

  /** Capture, void and refund, each idempotent: repeating one answers the same payment without a second effect. */
  private void transition(RoutingContext ctx, String target) {
    String id = ctx.pathParam("paymentId");
    Future<JsonObject> moved = "REFUNDED".equals(target)
        ? pool.preparedQuery(SimulatorSql.REFUND_CAPTURED).execute(Tuple.of(id, target)).map(PaymentSimulatorVerticle::first)
        : settlements.run(new Settle(id, target));
    moved.compose(p -> p != null ? Future.succeededFuture(p) : byId(id))
        .onSuccess(p -> {
          Long delay = ctx.get(ANSWER_DELAY);
          Runnable answer = () -> {
            if (p == null) {
              json(ctx, 404, error("no such payment"));
            } else if (p.getString("status").equals(target)) {
              json(ctx, 200, p);
            } else {
              json(ctx, 409, error("payment is " + p.getString("status")).put("payment", p));
            }
          };
          if (delay == null) {
            answer.run();
          } else {
            vertx.setTimer(delay, timer -> answer.run());
          }
        }).onFailure(ctx::fail);
  }

  private Future<JsonObject> byKey(String key) {
    return pool.preparedQuery(SimulatorSql.BY_KEY).execute(Tuple.of(key))
        .map(rs -> rs.size() == 0 ? null : toJson(rs.iterator().next()));
  }

  private Future<JsonObject> byId(String id) {
    return pool.preparedQuery(SimulatorSql.BY_ID).execute(Tuple.of(id))
        .map(rs -> rs.size() == 0 ? null : toJson(rs.iterator().next()));
  }

  private static JsonObject toJson(Row r) {
    return new JsonObject().put("paymentId", r.getString("payment_id")).put("idempotencyKey", r.getString("idempotency_key"))
        .put("amount", r.getLong("amount")).put("status", r.getString("status")).put("refunds", r.getInteger("refunds"));
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
  }


  @Override
  public Future<?> stop() {
    return Future.join(server.close(), pool.close());
  }
}
