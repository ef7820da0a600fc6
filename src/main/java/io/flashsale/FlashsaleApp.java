package io.flashsale;

import io.flashsale.admission.AdmissionVerticle;
import io.flashsale.admission.QueueRegistry;
import io.flashsale.coupon.CouponIndexerVerticle;
import io.flashsale.coupon.CouponService;
import io.flashsale.display.DisplayConfig;
import io.flashsale.display.DisplayMetrics;
import io.flashsale.display.DisplayService;
import io.flashsale.fanout.FanoutVerticle;
import io.flashsale.fanout.KafkaBridgeVerticle;
import io.flashsale.http.RequestMeter;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.KafkaTopics;
import io.flashsale.infra.RedisSubscriberVerticle;
import io.flashsale.infra.TableUpkeepVerticle;
import io.flashsale.infra.Topics;
import io.flashsale.infra.Tracing;
import io.flashsale.inventory.ConfirmVerticle;
import io.flashsale.inventory.Inventory;
import io.flashsale.inventory.InventoryConfig;
import io.flashsale.inventory.InventorySweepVerticle;
import io.flashsale.inventory.InventoryVerticle;
import io.flashsale.inventory.SoldOutBoard;
import io.flashsale.inventory.StockChangesVerticle;
import io.flashsale.inventory.StockDriftVerticle;
import io.flashsale.ops.KafkaProbeVerticle;
import io.flashsale.order.IdempotencyExpiryVerticle;
import io.flashsale.order.OrderConfirmations;
import io.flashsale.order.OrderRecoveryVerticle;
import io.flashsale.order.OrderVerticle;
import io.flashsale.outbox.OutboxRelayVerticle;
import io.flashsale.payment.PaymentSimulatorVerticle;
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
import java.util.List;

/** Assembles the application: which verticles run, how many, and in what order. */
public final class FlashsaleApp {

  private static final Logger LOG = LoggerFactory.getLogger(FlashsaleApp.class);

  private FlashsaleApp() {
  }

  /**
   * A Vert.x instance with native transport (where available), Prometheus metrics and, when {@code tracing.enabled},
   * OpenTelemetry tracing (stop it with {@link Tracing#stop()} after closing Vert.x, to flush the last spans).
   */
  public static Vertx newVertx(AppConfig config) {
    VertxOptions options = new VertxOptions().setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    var builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory());
    Tracing.Settings tracing = Tracing.Settings.from(config);
    io.opentelemetry.api.OpenTelemetry otel = Tracing.start(tracing);
    if (otel != null) {
      builder.withTracer(new io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory(otel));
      LOG.info("tracing on: {}", tracing);
    }
    return builder.build();
  }

  /** Deploys every verticle; answers the deployment ids (undeploy them, or close Vert.x, to stop). */
  public static Future<List<String>> deploy(Vertx vertx, AppConfig config) {
    return deploy(vertx, config, Clock.systemUTC());
  }

  /** The same, every verticle reading time from {@code clock} (the one place the app's wall clock is chosen). */
  public static Future<List<String>> deploy(Vertx vertx, AppConfig config, Clock clock) {
    config.checkSafeForEnvironment();
    int instances = config.integer("http.instances") > 0 ? config.integer("http.instances")
        : Runtime.getRuntime().availableProcessors();
    int inventoryInstances = InventoryConfig.from(config).instances() > 0 ? InventoryConfig.from(config).instances()
        : Runtime.getRuntime().availableProcessors();
    SoldOutBoard board = new SoldOutBoard(clock, InventoryConfig.from(config).soldOutFlagMillis());
    Inventory.Recipe inventory = new Inventory.Recipe(config, board, clock);
    DisplayService.Shared display = DisplayService.Shared.create(DisplayConfig.from(config).nearCacheMaxEntries(), clock);
    DisplayMetrics.register(display);
    CouponService.Definitions couponDefinitions = new CouponService.Definitions();
    RequestMeter requests = new RequestMeter();
    QueueRegistry queues = new QueueRegistry();
    List<String> ids = new ArrayList<>();
    KafkaTopics.ensure(vertx, KafkaConfig.from(config), Topics.from(config).all())
        .onFailure(err -> LOG.warn("could not create Kafka topics now ({}); the broker will create them on first use",
            err.toString()));
    Future<String> simulator = config.bool("payment.simulator.enabled")
        ? vertx.deployVerticle(new PaymentSimulatorVerticle(config)) : Future.succeededFuture("none");
    return simulator.compose(x -> vertx.deployVerticle(new LocalNoticesVerticle(board, display, couponDefinitions)))
        .onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new KafkaProbeVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new RedisSubscriberVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new OutboxRelayVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new ViewProjectorVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new SaleBoundaryVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new InventorySweepVerticle(inventory))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new StockChangesVerticle(inventory))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new StockDriftVerticle(inventory))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(() -> new InventoryVerticle(inventory),
            new DeploymentOptions().setInstances(inventoryInstances))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new ConfirmVerticle(inventory,
            new OrderConfirmations(Topics.from(config))))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(() -> new OrderVerticle(config, clock),
            new DeploymentOptions().setInstances(inventoryInstances))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new OrderRecoveryVerticle(config, clock))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new IdempotencyExpiryVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new TableUpkeepVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new CouponIndexerVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new FanoutVerticle(config))).onSuccess(ids::add)
        .compose(x -> vertx.deployVerticle(new AdmissionVerticle(config, queues, clock))).onSuccess(ids::add)
        .compose(x -> config.bool("kafka.bridge") ? vertx.deployVerticle(new KafkaBridgeVerticle(config))
            .onSuccess(ids::add) : Future.succeededFuture())
        .compose(x -> vertx.deployVerticle(() -> new ApiVerticle(config, display, couponDefinitions, requests, queues, clock),
            new DeploymentOptions().setInstances(instances))).onSuccess(ids::add)
        .map(x -> ids);
  }
}
