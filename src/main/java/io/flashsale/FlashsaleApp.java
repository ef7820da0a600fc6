package io.flashsale;

import io.flashsale.coupon.CouponIndexerVerticle;
import io.flashsale.coupon.CouponService;
import io.flashsale.display.DisplayMetrics;
import io.flashsale.fanout.FanoutVerticle;
import io.flashsale.fanout.KafkaBridgeVerticle;
import io.flashsale.display.DisplayService;
import io.flashsale.http.ApiVerticle;
import io.flashsale.http.RequestMeter;
import io.flashsale.http.KafkaProbeVerticle;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.BusAddresses;
import io.flashsale.infra.RedisSubscriberVerticle;
import io.flashsale.inventory.ConfirmVerticle;
import io.flashsale.inventory.InventoryConfig;
import io.flashsale.inventory.InventoryMaintenanceVerticle;
import io.flashsale.inventory.InventoryVerticle;
import io.flashsale.inventory.SoldOutBoard;
import io.flashsale.order.OrderConfirmations;
import io.flashsale.order.OrderVerticle;
import io.flashsale.payment.PaymentSimulatorVerticle;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.KafkaTopics;
import io.flashsale.infra.Topics;
import io.flashsale.outbox.OutboxRelayVerticle;
import io.flashsale.projection.SaleBoundaryVerticle;
import io.flashsale.projection.ViewProjectorVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.List;

/** Assembles the application: which verticles run, how many, and in what order. */
public final class FlashsaleApp {

  private static final Logger LOG = LoggerFactory.getLogger(FlashsaleApp.class);

  private static final Map<Vertx, DisplayService.Shared> DISPLAYS = Collections.synchronizedMap(new WeakHashMap<>());

  private FlashsaleApp() {
  }

  /** The display state shared by a deployment's API verticles (for ops tools and tests). */
  public static DisplayService.Shared display(Vertx vertx) {
    return DISPLAYS.get(vertx);
  }

  /** A Vert.x instance with native transport (where available) and Prometheus metrics. */
  public static Vertx newVertx() {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory()).build();
  }

  /** Deploys every verticle; answers the deployment ids (undeploy them, or close Vert.x, to stop). */
  public static Future<List<String>> deploy(Vertx vertx, AppConfig config) {
    config.checkSafeForEnvironment();
    int instances = config.integer("http.instances") > 0 ? config.integer("http.instances")
        : Runtime.getRuntime().availableProcessors();
    int inventoryInstances = InventoryConfig.from(config).instances() > 0 ? InventoryConfig.from(config).instances()
        : Runtime.getRuntime().availableProcessors();
    SoldOutBoard board = new SoldOutBoard(Clock.systemUTC(), InventoryConfig.from(config).soldOutFlagMillis());
    vertx.eventBus().<String>localConsumer(BusAddresses.STOCK_CHANGED, msg -> board.apply(msg.body()));
    DisplayService.Shared display = DisplayService.Shared.create(config.integer("display.nearCacheMaxEntries"));
    DisplayMetrics.register(display);
    DISPLAYS.put(vertx, display);
    vertx.eventBus().<String>localConsumer(BusAddresses.VIEW_INVALIDATED, msg -> display.invalidated(msg.body()));
    CouponService.Definitions couponDefinitions = new CouponService.Definitions();
    RequestMeter requests = new RequestMeter();
    vertx.setPeriodic(1000, id -> requests.sample());
    vertx.eventBus().<String>localConsumer(BusAddresses.COUPON_CHANGED, msg -> couponDefinitions.invalidate(msg.body()));
    List<String> ids = new ArrayList<>();
    KafkaTopics.ensure(vertx, KafkaConfig.from(config), Topics.from(config).all())
        .onFailure(err -> LOG.warn("could not create Kafka topics now ({}); the broker will create them on first use",
            err.toString()));
    Future<String> simulator = config.bool("payment.simulator.enabled")
        ? vertx.deployVerticle(new PaymentSimulatorVerticle(config)) : Future.succeededFuture("none");
    return simulator.compose(x -> vertx.deployVerticle(new KafkaProbeVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new RedisSubscriberVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new OutboxRelayVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new ViewProjectorVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new SaleBoundaryVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new InventoryMaintenanceVerticle(config, board))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(() -> new InventoryVerticle(config, board),
            new DeploymentOptions().setInstances(inventoryInstances))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new ConfirmVerticle(config, board,
            new OrderConfirmations(Topics.from(config))))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(() -> new OrderVerticle(config, false),
            new DeploymentOptions().setInstances(inventoryInstances))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new OrderVerticle(config, true))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new CouponIndexerVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new FanoutVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new KafkaBridgeVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(() -> new ApiVerticle(config, display, couponDefinitions, requests),
            new DeploymentOptions().setInstances(instances))).onSuccess(ids::add)
        .map(x -> ids);
  }
}
