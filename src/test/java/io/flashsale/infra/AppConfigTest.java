package io.flashsale.infra;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration")
class AppConfigTest {

  @Test
  @DisplayName("derives FLASHSALE_* names from keys")
  void envNames() {
    assertThat(AppConfig.envName("http.port")).isEqualTo("FLASHSALE_HTTP_PORT");
    assertThat(AppConfig.envName("pg.poolSize")).isEqualTo("FLASHSALE_PG_POOL_SIZE");
  }

  @Test
  @DisplayName("environment overrides the bundled defaults, with API.md's FLASHSALE_JWT_SECRET")
  void overrides() {
    AppConfig c = AppConfig.load(Map.of("FLASHSALE_HTTP_PORT", "9090",
        "FLASHSALE_JWT_SECRET", "a-very-long-production-secret-0123456789abcdef", "FLASHSALE_CONFIG", "/nonexistent"));
    assertThat(c.integer("http.port")).isEqualTo(9090);
    assertThat(c.string("auth.jwtSecret")).startsWith("a-very-long");
  }

  @Test
  @DisplayName("refuses the dev secret in prod, and a non-number where a number belongs")
  void refusesUnsafe() {
    AppConfig prod = AppConfig.load(Map.of("FLASHSALE_ENV", "prod", "FLASHSALE_CONFIG", "/nonexistent"));
    assertThatThrownBy(prod::checkSafeForEnvironment).hasMessageContaining("FLASHSALE_JWT_SECRET");
    assertThatThrownBy(() -> AppConfig.load(Map.of("FLASHSALE_HTTP_PORT", "eighty", "FLASHSALE_CONFIG", "/x")))
        .hasMessageContaining("FLASHSALE_HTTP_PORT");
  }

  @Test
  @DisplayName("refuses to run the bundled payment simulator in prod (it approves test tokens)")
  void refusesSimulatorInProd() {
    String secret = "a-very-long-production-secret-0123456789abcdef";
    AppConfig withSimulator = AppConfig.load(Map.of("FLASHSALE_ENV", "prod", "FLASHSALE_JWT_SECRET", secret,
        "FLASHSALE_CONFIG", "/nonexistent"));
    assertThatThrownBy(withSimulator::checkSafeForEnvironment).hasMessageContaining("FLASHSALE_PAYMENT_SIMULATOR_ENABLED");
    AppConfig real = AppConfig.load(Map.of("FLASHSALE_ENV", "prod", "FLASHSALE_JWT_SECRET", secret,
        "FLASHSALE_PAYMENT_SIMULATOR_ENABLED", "false", "FLASHSALE_CONFIG", "/nonexistent"));
    real.checkSafeForEnvironment();
  }

  @Test
  @DisplayName("refuses a Kafka session timeout the broker would refuse at each consumer's join")
  void refusesSessionTimeoutOutsideTheBrokersLimits() {
    assertThatThrownBy(() -> KafkaConfig.from(AppConfig.of(new JsonObject()
        .put("kafka.sessionTimeoutMillis", 5_999)))).hasMessageContaining("kafka.sessionTimeoutMillis");
    assertThat(KafkaConfig.from(AppConfig.of(new JsonObject()))
        .sessionTimeoutMillis()).isEqualTo(10_000);
  }

  @Test
  @DisplayName("fan-out consumers wait for a fuller fetch (64 KB or kafka.patientFetchMillis); 0 turns it off")
  void patientConsumersBatchTheirFetches() {
    KafkaConfig kafka = KafkaConfig.from(AppConfig.of(new JsonObject()));
    assertThat(kafka.patientConsumer("points")).containsEntry("fetch.max.wait.ms", "200")
        .containsEntry("fetch.min.bytes", "65536").containsEntry("group.id", "flashsale.points");
    assertThat(kafka.consumer("view-projector")).doesNotContainKeys("fetch.max.wait.ms", "fetch.min.bytes");
    assertThat(KafkaConfig.from(AppConfig.of(new JsonObject().put("kafka.patientFetchMillis", 0)))
        .patientConsumer("points")).doesNotContainKeys("fetch.max.wait.ms", "fetch.min.bytes");
    assertThatThrownBy(() -> KafkaConfig.from(AppConfig.of(new JsonObject().put("kafka.patientFetchMillis", -1))))
        .hasMessageContaining("kafka.patientFetchMillis");
  }
}
