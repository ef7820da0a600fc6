package io.flashsale.ops;

import io.flashsale.infra.LocalFigures;
import io.flashsale.fanout.DeadLetters;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.ListOffsetsResultInfo;
import io.vertx.kafka.admin.OffsetSpec;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Asks the Kafka broker every two seconds whether it answers (UP/DOWN for {@code /health}), how far each of this
 * app's consumer groups lags behind its topics, and how many records wait in each dead-letter topic. The figures go
 * to {@code /metrics} ({@code flashsale_kafka_consumer_lag{group}}, {@code flashsale_dlq_depth{topic}}) and to the
 * dashboard through {@link LocalFigures}.
 */
public final class KafkaProbeVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KafkaProbeVerticle.class);
  private static final long BUDGET_SECONDS = 3;

  private final AppConfig config;
  private final Map<String, Long> lags = new ConcurrentHashMap<>();
  private final Map<String, Long> dlqs = new ConcurrentHashMap<>();
  private KafkaAdminClient admin;
  private KafkaConfig kafka;
  private final List<io.micrometer.core.instrument.Meter> meters = new java.util.concurrent.CopyOnWriteArrayList<>();
  private boolean probing;

  public KafkaProbeVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    kafka = KafkaConfig.from(config);
    admin = KafkaAdminClient.create(vertx, kafka.admin());
    probe();
    vertx.setPeriodic(2000, id -> probe());
    return Future.succeededFuture();
  }

  private void probe() {
    if (probing) {
      return; // a slow broker: the last round is still out (each call has its own bound)
    }
    probing = true;
    Future<Map<String, Long>> dlq = DeadLetters.depthByTopic(admin, kafka, Topics.from(config).all())
        .timeout(BUDGET_SECONDS, TimeUnit.SECONDS)
        .onFailure(err -> LOG.debug("DLQ depth not measured now (the last figure stays): {}", err.toString()))
        .onSuccess(depth -> publish(dlqs, depth, LocalFigures.DLQ_TOPICS, "flashsale_dlq_depth", "topic",
            "records waiting in a dead-letter topic"));
    Future<Map<String, Long>> lag = consumerLag().timeout(BUDGET_SECONDS, TimeUnit.SECONDS)
        .onFailure(err -> LOG.debug("consumer lag not measured now (the last figure stays): {}", err.toString()))
        .onSuccess(byGroup -> publish(lags, byGroup, LocalFigures.CONSUMER_LAG, "flashsale_kafka_consumer_lag",
            "group", "records the group has not committed yet, over the partitions it has committed on"));
    Future<?> up = admin.describeCluster().timeout(BUDGET_SECONDS, TimeUnit.SECONDS).onComplete(ar -> vertx.sharedData()
        .getLocalMap(LocalFigures.MAP).put(LocalFigures.KAFKA,
            ar.succeeded() && !ar.result().getNodes().isEmpty() ? "UP" : "DOWN"));
    Future.join(dlq, lag, up).onComplete(x -> probing = false);
  }

  /**
   * End offset − committed offset, summed per consumer group this process runs (the ones {@code KafkaBatchConsumer}
   * started; never every group on a shared broker): one offsets call per group, one end-offsets call for them all.
   */
  private Future<Map<String, Long>> consumerLag() {
    List<String> groups = new ArrayList<>(vertx.sharedData().<String, Boolean>getLocalMap(LocalFigures.GROUPS_MAP)
        .keySet());
    java.util.Collections.sort(groups);
    if (groups.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Future<Map<TopicPartition, OffsetAndMetadata>>> committed = new ArrayList<>();
    groups.forEach(g -> committed.add(admin.listConsumerGroupOffsets(kafka.groupId(g))));
    return Future.all(committed).compose(x -> {
      Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
      committed.forEach(c -> c.result().keySet().forEach(tp -> spec.put(tp, OffsetSpec.LATEST)));
      Future<Map<TopicPartition, ListOffsetsResultInfo>> ends = spec.isEmpty()
          ? Future.succeededFuture(Map.of()) : admin.listOffsets(spec);
      return ends.map(end -> {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < groups.size(); i++) {
          out.put(groups.get(i), lag(committed.get(i).result(), end));
        }
        return out;
      });
    });
  }

  /** Over the partitions the group has committed on (a partition it never committed is not counted: not known). */
  private static long lag(Map<TopicPartition, OffsetAndMetadata> committed,
                          Map<TopicPartition, ListOffsetsResultInfo> ends) {
    long lag = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> c : committed.entrySet()) {
      ListOffsetsResultInfo end = ends.get(c.getKey());
      if (end != null && c.getValue() != null) {
        lag += Math.max(0, end.getOffset() - c.getValue().getOffset());
      }
    }
    return lag;
  }

  /**
   * Keeps {@code current} as the latest figures, with one gauge per key the first time the key is seen, and leaves a
   * copy under {@code figure} for the dashboard.
   */
  private void publish(Map<String, Long> current, Map<String, Long> measured, String figure, String name, String tag,
                       String help) {
    vertx.sharedData().getLocalMap(LocalFigures.MAP).put(figure, new JsonObject(new TreeMap<String, Object>(measured)));
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    current.keySet().retainAll(measured.keySet());
    measured.forEach((key, value) -> {
      if (current.put(key, value) == null && registry != null && registry.find(name).tag(tag, key).gauge() == null) {
        // Held strongly and removed at stop: a redeployed verticle registers its own, not a dead one's.
        meters.add(Gauge.builder(name, current, m -> m.getOrDefault(key, 0L)).tag(tag, key).description(help)
            .strongReference(true).register(registry));
      }
    });
  }

  @Override
  public Future<?> stop() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      meters.forEach(registry::remove);
    }
    return admin.close(1000);
  }
}
