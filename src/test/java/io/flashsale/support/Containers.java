package io.flashsale.support;

import io.vertx.core.json.JsonObject;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** The Testcontainers variant of the test servers, used only when asked for and a Docker engine answers. */
final class Containers {

  private final PostgreSQLContainer<?> postgres;
  private final GenericContainer<?> redis;
  private final KafkaContainer kafka;

  private Containers(PostgreSQLContainer<?> postgres, GenericContainer<?> redis, KafkaContainer kafka) {
    this.postgres = postgres;
    this.redis = redis;
    this.kafka = kafka;
  }

  static boolean wanted() {
    if (!"true".equalsIgnoreCase(System.getenv("FLASHSALE_TEST_CONTAINERS"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  @SuppressWarnings("resource")
  static Containers start() {
    PostgreSQLContainer<?> pg = new PostgreSQLContainer<>(DockerImageName.parse("postgres:16-alpine"))
        .withDatabaseName("flashsale_test").withUsername("flashsale").withPassword("flashsale");
    GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7-alpine")).withExposedPorts(6379);
    KafkaContainer kafka = new KafkaContainer(DockerImageName.parse("apache/kafka:4.1.1"));
    pg.start();
    redis.start();
    kafka.start();
    return new Containers(pg, redis, kafka);
  }

  JsonObject overrides() {
    return new JsonObject().put("pg.host", postgres.getHost()).put("pg.port", postgres.getMappedPort(5432))
        .put("redis.url", "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379) + "/0")
        .put("kafka.bootstrap", kafka.getBootstrapServers());
  }

  void pauseKafka() {
    DockerClientFactory.instance().client().pauseContainerCmd(kafka.getContainerId()).exec();
  }

  void unpauseKafka() {
    DockerClientFactory.instance().client().unpauseContainerCmd(kafka.getContainerId()).exec();
  }
}
