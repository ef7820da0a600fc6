package io.flashsale.ops;

import io.flashsale.fanout.DeadLetters;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.kafka.admin.KafkaAdminClient;

import java.util.concurrent.TimeUnit;

/** Asks the Kafka broker for its cluster id every two seconds and records UP/DOWN for {@code /health}. */
public final class KafkaProbeVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KafkaProbeVerticle.class);

  private final AppConfig config;
  private KafkaAdminClient admin;

  public KafkaProbeVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    admin = KafkaAdminClient.create(vertx, KafkaConfig.from(config).admin());
    probe();
    vertx.setPeriodic(2000, id -> probe());
    return Future.succeededFuture();
  }

  private void probe() {
    DeadLetters.depth(admin, KafkaConfig.from(config), Topics.from(config).all())
        .onFailure(err -> LOG.debug("DLQ depth not measured now (the last figure stays): {}", err.toString()))
        .onSuccess(depth -> vertx.sharedData()
        .getLocalMap(HealthRoutes.HEALTH_MAP).put(HealthRoutes.DLQ_DEPTH, depth));
    admin.describeCluster().timeout(3, TimeUnit.SECONDS).onComplete(ar -> vertx.sharedData()
        .getLocalMap(HealthRoutes.HEALTH_MAP).put(HealthRoutes.KAFKA,
            ar.succeeded() && !ar.result().getNodes().isEmpty() ? "UP" : "DOWN"));
  }

  @Override
  public Future<?> stop() {
    return admin.close(1000);
  }
}
