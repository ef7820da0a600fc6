package io.flashsale.infra;

import java.util.List;

/** Every Kafka topic name, in one place. Records are keyed by aggregate id so each aggregate keeps its order. */
public final class Topics {

  public static final String PRODUCTS = "products";
  public static final String EVENTS = "events";
  public static final String USERS = "users";
  public static final String ORDERS = "orders";
  public static final String COUPONS = "coupons";

  private final String prefix;

  public Topics(String prefix) {
    this.prefix = prefix;
  }

  public static Topics from(AppConfig config) {
    return new Topics(config.string("kafka.topicPrefix"));
  }

  public String products() {
    return prefix + PRODUCTS;
  }

  public String events() {
    return prefix + EVENTS;
  }

  public String users() {
    return prefix + USERS;
  }

  public String orders() {
    return prefix + ORDERS;
  }

  public String coupons() {
    return prefix + COUPONS;
  }

  /** Where a consumer's failed records wait for their next attempt. */
  public String retry(String consumer) {
    return prefix + "retry." + consumer;
  }

  /**
   * Where {@code consumer}'s records of {@code topic} go after its last failed attempt: {@code <topic>.dlq.<consumer>}
   * — one dead-letter topic per consumer, so replaying one consumer's letters never touches another's.
   */
  public static String dlq(String topic, String consumer) {
    return dlqPrefix(topic) + consumer;
  }

  /** The prefix of every dead-letter topic of {@code topic}. */
  public static String dlqPrefix(String topic) {
    return topic + ".dlq.";
  }

  public List<String> all() {
    return List.of(products(), events(), users(), orders(), coupons());
  }

  /** The topics the view projector follows. */
  public List<String> catalog() {
    return List.of(products(), events());
  }
}
