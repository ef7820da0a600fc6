package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Ids;
import io.flashsale.infra.PgConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * The order bench's foil: the whole purchase the naive way behind the same two calls. {@code POST /api/checkouts}
 * only names the item (no hold, no database); {@code POST /api/orders} runs one PostgreSQL transaction —
 * {@code UPDATE stock SET quantity = quantity - n ... WHERE quantity >= n}, insert the order and its item, commit. No
 * Redis, no lock, no payment, no saga, no outbox: what a first version of a shop would do.
 */
public final class NaivePurchaseServer extends VerticleBase {

  static final String EMPTY_TABLES = """
      create table if not exists bench_naive_orders (order_id text primary key, user_id text not null,
        total bigint not null, created_at timestamptz not null default now());
      create table if not exists bench_naive_order_items (order_id text not null references bench_naive_orders,
        product_id text not null, quantity int not null, unit_price bigint not null, primary key (order_id, product_id));
      truncate bench_naive_order_items, bench_naive_orders""";

  private static final String DECREMENT = """
      update stock set quantity = quantity - $2, version = version + 1, updated_at = now()
      where product_id = $1 and quantity >= $2""";
  private static final String INSERT_ORDER = "insert into bench_naive_orders (order_id, user_id, total) values ($1, $2, $3)";
  private static final String INSERT_ITEM = """
      insert into bench_naive_order_items (order_id, product_id, quantity, unit_price) values ($1, $2, $3, $4)""";
  private static final long UNIT_PRICE = 70_000;

  private final AppConfig config;
  private final int port;
  private final int poolSize;
  private Pool pool;

  public NaivePurchaseServer(AppConfig config, int port, int poolSize) {
    this.config = config;
    this.port = port;
    this.poolSize = poolSize;
  }

  public static Future<String> deploy(Vertx vertx, AppConfig config, int port, int instances, int poolSize) {
    return vertx.deployVerticle(() -> new NaivePurchaseServer(config, port, poolSize),
        new DeploymentOptions().setInstances(instances));
  }

  /**
   * The naive side's own order tables, empty (the bench creates them; the app never reads them). Emptied at every run:
   * kept, they reached 2.3 M rows (750 MB) in the app's database after a day of benches, and every later run of both
   * sides paid for the bigger working set.
   */
  static Future<Void> emptyTables(SqlClient client) {
    return client.query(EMPTY_TABLES).execute().mapEmpty();
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-naive-purchase", poolSize);
    Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(65536));
    router.post("/api/checkouts").handler(auth.shopper()).handler(this::checkout);
    router.post("/api/orders").handler(auth.shopper()).handler(this::order);
    router.route().failureHandler(ctx -> ctx.response().setStatusCode(ctx.statusCode() > 0 ? ctx.statusCode() : 500)
        .end());
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }

  private void checkout(RoutingContext ctx) {
    JsonObject item = ctx.body().asJsonObject().getJsonArray("items").getJsonObject(0);
    ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
        .end(new JsonObject().put("checkoutId", item.getString("productId") + "~" + item.getInteger("quantity"))
            .encode());
  }

  private void order(RoutingContext ctx) {
    String checkoutId = ctx.body().asJsonObject().getString("checkoutId");
    int bar = checkoutId.lastIndexOf('~');
    String productId = checkoutId.substring(0, bar);
    int quantity = Integer.parseInt(checkoutId.substring(bar + 1));
    String userId = ctx.<Auth.Caller>get(Auth.CALLER).userId();
    String orderId = Ids.random("nord_");
    pool.withTransaction(tx -> tx.preparedQuery(DECREMENT).execute(Tuple.of(productId, quantity)).compose(rs -> {
      if (rs.rowCount() == 0) {
        return Future.succeededFuture(false);
      }
      return tx.preparedQuery(INSERT_ORDER).execute(Tuple.of(orderId, userId, UNIT_PRICE * quantity))
          .compose(x -> tx.preparedQuery(INSERT_ITEM).execute(Tuple.of(orderId, productId, quantity, UNIT_PRICE)))
          .map(true);
    })).onSuccess(sold -> {
      if (sold) {
        ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
            .end(new JsonObject().put("orderId", orderId).put("status", "CONFIRMED").encode());
      } else {
        ctx.response().setStatusCode(409).putHeader("content-type", "application/json")
            .end("{\"error\":{\"code\":\"SOLD_OUT\",\"message\":\"sold out\",\"details\":{}}}");
      }
    }).onFailure(err -> ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
        .end("{\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"" + err.getClass().getSimpleName() + "\",\"details\":{}}}"));
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
