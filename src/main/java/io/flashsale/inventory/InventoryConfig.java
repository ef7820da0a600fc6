package io.flashsale.inventory;

import io.flashsale.infra.AppConfig;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Inventory settings, from {@code inventory.*} config keys. */
public record InventoryConfig(Duration holdTtl, List<String> redlockNodes, long lockTtlMillis, int lockAttempts,
                              long lockRetryMillis, int decrementAttempts, long soldOutFlagMillis, long sweepMillis,
                              int instances) {

  public static InventoryConfig from(AppConfig c) {
    List<String> nodes = Arrays.stream(c.string("inventory.redlockNodes").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
    if (nodes.isEmpty()) {
      throw new IllegalStateException("inventory.redlockNodes must name at least one Redis node");
    }
    return new InventoryConfig(Duration.ofSeconds(c.integer("inventory.holdTtlSeconds")), nodes,
        c.integer("inventory.lockTtlMillis"), c.integer("inventory.lockAttempts"),
        c.integer("inventory.lockRetryMillis"), c.integer("inventory.decrementAttempts"),
        c.integer("inventory.soldOutFlagMillis"), c.integer("inventory.sweepMillis"),
        c.integer("inventory.instances"));
  }
}
