package io.flashsale.infra;

/**
 * The process-local shared map where background probes leave their latest figures for {@code /health} and the
 * dashboard (Kafka's state, dead letters, consumer lag, the outbox backlog), and the key of each figure.
 */
public final class LocalFigures {

  public static final String MAP = "flashsale.health";
  /** "UP" or "DOWN", from the Kafka probe. */
  public static final String KAFKA = "kafka";
  /** Each dead-letter topic's depth (a JSON object topic → records). */
  public static final String DLQ_TOPICS = "dlqTopics";
  /** Each consumer group's lag (a JSON object group → records). */
  public static final String CONSUMER_LAG = "consumerLag";
  /** The outbox backlog (a JSON object: backlog, oldestSeconds). */
  public static final String OUTBOX = "outbox";

  /** The local map whose keys are the consumer groups this process runs (the probe measures those, no others). */
  public static final String GROUPS_MAP = "flashsale.kafka.groups";

  private LocalFigures() {
  }
}
