package io.flashsale;

import io.flashsale.admission.AdmissionConfig;
import io.flashsale.admission.AdmissionGate;
import io.flashsale.admission.QueueRegistry;
import io.flashsale.admission.QueueRoutes;
import io.flashsale.admission.RateLimiter;
import io.flashsale.admission.WaitingRoom;
import io.flashsale.catalog.AdminCatalogRoutes;
import io.flashsale.catalog.CatalogStore;
import io.flashsale.checkout.CheckoutRoutes;
import io.flashsale.coupon.CouponIndex;
import io.flashsale.coupon.CouponRoutes;
import io.flashsale.coupon.CouponService;
import io.flashsale.coupon.CouponStore;
import io.flashsale.dashboard.OperatorSessionRoutes;
import io.flashsale.dashboard.StatsRoutes;
import io.flashsale.display.DisplayConfig;
import io.flashsale.display.DisplayHandler;
import io.flashsale.display.DisplayService;
import io.flashsale.display.ViewBuilder;
import io.flashsale.display.ViewKind;
import io.flashsale.display.ViewMaterializer;
import io.flashsale.display.ViewStore;
import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.DateHeader;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.ErrorResponder;
import io.flashsale.http.RequestMeter;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.PipelinedRedis;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.flashsale.inventory.InventoryClient;
import io.flashsale.inventory.InventoryConfig;
import io.flashsale.ops.HealthRoutes;
import io.flashsale.order.IdempotencyStore;
import io.flashsale.order.OrderClient;
import io.flashsale.order.OrderRoutes;
import io.flashsale.order.OrderStore;
import io.flashsale.order.OrdersConfig;
import io.flashsale.warmup.WarmupRoutes;
import io.flashsale.warmup.WarmupService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Serves the HTTP API. One instance per event loop, each with its own pools and near cache; the display path is
 * answered before the router so a cache hit costs a map lookup and a write.
 */
public final class ApiVerticle extends VerticleBase {

  private static final String EVENTS_PREFIX = "/api/events/";
  private static final String PRODUCTS_PREFIX = "/api/products/";

  private final AppConfig config;
  private final DisplayService.Shared displayShared;
  private final CouponService.Definitions couponDefinitions;
  private final RequestMeter requests;
  private final QueueRegistry queues;
  private final Clock clock;
  private RequestMeter.Lane requestLane;
  private DateHeader date;
  private Pool pool;
  private Redis redis;
  private PipelinedRedis lanes;
  private HttpServer server;
  private DisplayHandler display;
  private Router router;

  public ApiVerticle(AppConfig config, DisplayService.Shared displayShared,
                     CouponService.Definitions couponDefinitions, RequestMeter requests, QueueRegistry queues,
                     Clock clock) {
    this.config = config;
    this.queues = queues;
    this.clock = clock;
    this.requests = requests;
    this.displayShared = displayShared;
    this.couponDefinitions = couponDefinitions;
  }

  @Override
  public Future<?> start() {
    requestLane = requests.lane();
    date = new DateHeader(vertx, clock);
    PgConfig pg = PgConfig.from(config);
    pool = pg.pool(vertx, "pg-api", 0);
    redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    RedisKeys keys = RedisKeys.from(config);
    lanes = new PipelinedRedis(vertx, redis, 2);
    ViewMaterializer materializer = new ViewMaterializer(new ViewBuilder(pool, keys),
        new ViewStore(redis, keys, lanes::send));
    DisplayService displayService = new DisplayService(vertx, displayShared, materializer, redis, keys,
        clock, DisplayConfig.from(config).settings());
    display = new DisplayHandler(displayService);

    Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
    router = Router.router(vertx);
    // Event upserts (up to 10,000 items) and coupon grants (user lists) carry bulk bodies; every other route keeps
    // the small limit.
    router.routeWithRegex("/admin/(events|coupons)/.*").handler(BodyHandler.create(false)
        .setBodyLimit(config.integer("http.adminBulkBodyLimit")));
    router.routeWithRegex("/admin/(?!events/|coupons/).*").handler(BodyHandler.create(false)
        .setBodyLimit(config.integer("http.bodyLimit")));
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(config.integer("http.bodyLimit")));
    StatsRoutes stats = new StatsRoutes(vertx, pool, redis, keys, requests, queues, clock);
    stats.mountPage(router);
    new OperatorSessionRoutes(auth, Duration.ofMinutes(config.integer("admin.sessionMinutes")), config.isProd())
        .mount(router);
    router.route("/admin/*").handler(auth.admin());
    AdmissionConfig admission = AdmissionConfig.from(config);
    router.route("/api/*").handler(new RateLimiter(vertx, lanes::send, keys, auth, admission));
    InventoryClient inventory = new InventoryClient(vertx.eventBus(), InventoryConfig.from(config));
    // Read-your-writes for the admin, bounded: past 2 s the stock event on Kafka brings Redis along.
    new AdminCatalogRoutes(new CatalogStore(pool, Topics.from(config)), productId -> inventory.reconcile(productId, 2_000))
        .mount(router);
    stats.mount(router);
    new QueueRoutes(queues, new WaitingRoom(lanes::send, keys, new SecureRandom(), true), admission, pool, clock)
        .mount(router, auth);
    new WarmupRoutes(new WarmupService(pool, materializer.builder(), materializer.store())).mount(router);
    CouponStore couponStore = new CouponStore(pool, Topics.from(config));
    CouponService coupons = new CouponService(new CouponIndex(redis, keys), couponStore, couponDefinitions,
        clock);
    new CouponRoutes(couponStore, coupons, displayService, clock).mount(router, auth);
    new CheckoutRoutes(inventory, displayService, coupons, new AdmissionGate(queues, admission.tokens()), clock)
        .mount(router, auth);
    // Idempotency keys: the pool on one server; on a cluster the pooled client takes a connection to every master
    // per command, so they go through the pipelined lanes (each routes by key).
    java.util.function.Function<io.vertx.redis.client.Request, Future<io.vertx.redis.client.Response>> idempotencyRedis =
        RedisConfig.from(config).cluster() ? lanes::send : redis::send;
    new OrderRoutes(new OrderClient(vertx.eventBus(), OrdersConfig.from(config)), new IdempotencyStore(idempotencyRedis,
        pool, keys, config.integer("orders.idempotencyTtlSeconds")),
        new OrderStore(pool, Topics.from(config))).mount(router, auth);
    router.get("/health").handler(new HealthRoutes(vertx, redis, pool)::handle);
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
    Buffer openapi = resource("openapi.yaml");
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("content-type", "application/yaml")
        .end(openapi));
    vertx.sharedData().getLocalMap(ROUTES_MAP).put(ROUTES, routes(router));
    router.route().last().handler(ctx -> ctx.fail(new ApiException(ErrorCode.NOT_FOUND,
        "no such endpoint: " + ctx.request().method() + " " + ctx.request().path())));
    router.route().failureHandler(ErrorResponder::handle);

    server = vertx.createHttpServer(new HttpServerOptions().setPort(config.integer("http.port"))
        .setHost(config.string("http.host")).setTcpNoDelay(true).setTcpFastOpen(true)
        .setCompressionSupported(false).setIdleTimeout(60));
    return server.requestHandler(this::route).listen();
  }

  private void route(HttpServerRequest req) {
    requestLane.mark();
    req.response().putHeader(HttpHeaders.DATE, date.value());
    if (req.method() == HttpMethod.GET) {
      String path = req.path();
      if (path.startsWith(EVENTS_PREFIX) && path.indexOf('/', EVENTS_PREFIX.length()) < 0) {
        display.handle(req, ViewKind.EVENT_PAGE, path.substring(EVENTS_PREFIX.length()));
        return;
      }
      if (path.startsWith(PRODUCTS_PREFIX) && path.indexOf('/', PRODUCTS_PREFIX.length()) < 0) {
        display.handle(req, ViewKind.PRODUCT, path.substring(PRODUCTS_PREFIX.length()));
        return;
      }
    }
    router.handle(req);
  }

  /**
   * Every endpoint this verticle serves, as {@code "GET /api/orders/{orderId}"} (OpenAPI's spelling), for the test that
   * holds the contract document and the routes to each other.
   */
  private static JsonArray routes(Router router) {
    java.util.TreeSet<String> out = new java.util.TreeSet<>(List.of("GET " + EVENTS_PREFIX + "{eventId}",
        "GET " + PRODUCTS_PREFIX + "{productId}"));
    for (Route r : router.getRoutes()) {
      if (r.methods() == null || r.methods().isEmpty()) {
        continue; // a handler for every method (body limits, guards, the not-found answer): not an endpoint
      }
      // A regex route that is a plain literal (GET /admin) is listed as that path, any other by its pattern.
      String name = String.valueOf(r.getName());
      String path = r.getPath() != null ? r.getPath().replaceAll(":([A-Za-z]+)", "{$1}")
          : name.matches("/[A-Za-z0-9/_.-]*") ? name : "regex:" + name;
      r.methods().forEach(m -> out.add(m.name() + " " + path));
    }
    return new JsonArray(new java.util.ArrayList<>(out));
  }

  /** The local map, and its key, where the served routes are listed. */
  public static final String ROUTES_MAP = "flashsale.http";
  public static final String ROUTES = "routes";

  public int actualPort() {
    return server.actualPort();
  }

  private static Buffer resource(String name) {
    try (InputStream in = ApiVerticle.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? Buffer.buffer("openapi: 3.0.3\n") : Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Future<?> stop() {
    date.close();
    return Future.join(server.close(), lanes.close(), redis.close(), pool.close());
  }
}
