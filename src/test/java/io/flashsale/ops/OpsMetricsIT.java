package io.flashsale.ops;

import io.flashsale.infra.KafkaConfig;
import io.flashsale.infra.Topics;
import io.flashsale.support.Fixtures;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The metrics the alert rules and the Grafana dashboard query")
class OpsMetricsIT {

  @Test
  @DisplayName("all exist on a live app's /metrics (a waiting room and a dead-letter topic exist, as in a sale)")
  void everyQueriedMetricExists() throws Exception {
    try (TestApp app = TestApp.start()) {
      // Per-entity gauges appear with their entity: a waiting room's line, a dead-letter topic's depth.
      String productId = Fixtures.uniqueId("p");
      Fixtures.createProduct(app, productId, 10_000, 5);
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      assertThat(app.putAdmin("/admin/events/" + Fixtures.uniqueId("q"), new JsonObject().put("title", "Ops")
          .put("startsAt", now.minus(1, ChronoUnit.HOURS).toString()).put("endsAt", now.plus(1, ChronoUnit.DAYS).toString())
          .put("items", new JsonArray().add(new JsonObject().put("productId", productId).put("salePrice", 7_000)
              .put("limitPerUser", 1)))
          .put("queue", new JsonObject().put("enabled", true).put("admitPerMinute", 60))).statusCode()).isEqualTo(200);
      KafkaAdminClient admin = KafkaAdminClient.create(app.vertx(), KafkaConfig.from(app.config()).admin());
      String dlq = Topics.dlq(Topics.from(app.config()).orders(), "ops-probe");
      admin.listTopics().compose(all -> all.contains(dlq) ? io.vertx.core.Future.succeededFuture()
          : admin.createTopics(List.of(new NewTopic(dlq, 1, (short) 1)))).await(20, TimeUnit.SECONDS);
      admin.close();

      List<String> wanted = OpsRulesTest.queriedMetrics();
      assertThat(wanted).contains("flashsale_kafka_consumer_lag", "flashsale_dlq_depth", "flashsale_outbox_backlog",
          "flashsale_circuit_breaker_state", "flashsale_payments_unresolved", "flashsale_stock_drift_units");
      String dlqGauge = "flashsale_dlq_depth{topic=\"" + dlq + "\"} 0.0";
      TestInfra.waitUntil(Duration.ofSeconds(30), () -> {
        String metrics = app.get("/metrics").body();
        return missing(metrics, wanted).isEmpty() && metrics.contains(dlqGauge);
      }, "every queried metric on /metrics, the new dead-letter topic's depth included");
    }
  }

  private static List<String> missing(String metrics, List<String> wanted) {
    return wanted.stream().filter(name -> !metrics.contains("\n" + name + "{") && !metrics.contains("\n" + name + " "))
        .toList();
  }
}
