package io.flashsale.infra;

/** Every Redis key and channel name, in one place, under the configured prefix. */
public final class RedisKeys {

  private final String prefix;

  public RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  public static RedisKeys from(AppConfig config) {
    return new RedisKeys(config.string("redis.prefix"));
  }

  /** The event page view (a hash: {@code v} = version, {@code d} = encoded view). */
  public String eventView(String eventId) {
    return prefix + "view:event:{" + eventId + "}";
  }

  /** The product view (same layout as the event page view). */
  public String productView(String productId) {
    return prefix + "view:product:{" + productId + "}";
  }

  /** The channel on which a written view announces {@code key|version}. */
  public String viewInvalidationChannel() {
    return prefix + "views:invalidate";
  }

  public String prefix() {
    return prefix;
  }
}
