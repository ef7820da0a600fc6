package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The storm bench's foil: the same {@code POST /api/checkouts} contract (JWT, JSON body) answered the naive way — one
 * {@code UPDATE stock SET quantity = quantity - n WHERE product_id = p AND quantity >= n} in PostgreSQL per buyer, no
 * Redis, no lock, sold-out buyers included. Same HTTP stack and load generator as the real thing.
 */
public final class NaiveServer extends VerticleBase {

  private final AppConfig config;
  private final int port;
  private final int poolSize;
  private Pool pool;

  public NaiveServer(AppConfig config, int port, int poolSize) {
    this.config = config;
    this.port = port;
    this.poolSize = poolSize;
  }

  public static Future<String> deploy(Vertx vertx, AppConfig config, int port, int instances, int poolSize) {
    return vertx.deployVerticle(() -> new NaiveServer(config, port, poolSize),
        new DeploymentOptions().setInstances(instances));
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-naive", poolSize);
    Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
    Router router = Router.router(vertx);
    router.post("/api/checkouts").handler(BodyHandler.create(false).setBodyLimit(65536)).handler(auth.shopper())
        .handler(ctx -> {
          JsonObject item = ctx.body().asJsonObject().getJsonArray("items").getJsonObject(0);
          pool.withTransaction(tx -> tx.preparedQuery(
                  "update stock set quantity = quantity - $2, version = version + 1 where product_id = $1 and quantity >= $2")
              .execute(Tuple.of(item.getString("productId"), item.getInteger("quantity"))))
              .onSuccess(rs -> {
                if (rs.rowCount() == 1) {
                  ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
                      .end(new JsonObject().put("productId", item.getString("productId")).encode());
                } else {
                  ctx.response().setStatusCode(409).putHeader("content-type", "application/json")
                      .end("{\"error\":{\"code\":\"SOLD_OUT\",\"message\":\"sold out\",\"details\":{}}}");
                }
              })
              .onFailure(err -> ctx.response().setStatusCode(503).putHeader("content-type", "application/json")
                  .end("{\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"" + err.getClass().getSimpleName()
                      + "\",\"details\":{}}}"));
        });
    router.route().failureHandler(ctx -> ctx.response().setStatusCode(ctx.statusCode() > 0 ? ctx.statusCode() : 500)
        .end());
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    return pool.close();
  }
}
