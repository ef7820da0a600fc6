package io.flashsale.inventory;

import io.flashsale.infra.AppConfig;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Inventory settings, from {@code inventory.*} config keys. A confirm is bounded end to end: it is not started past
 * {@code confirmTimeoutMillis} after it was asked for, waits at most {@code pgLockTimeoutMillis} for a row lock and
 * {@code pgStatementTimeoutMillis} for a statement; a process has {@code confirmShards} confirm queues (a product always
 * in the same one), each holding at most {@code confirmQueueMax} waiting confirms and committing at most
 * {@code confirmBatchMax} to a transaction; {@code staleConfirmMillis} (when a CONFIRMING hold is presumed orphaned) must exceed all of that.
 */
public record InventoryConfig(Duration holdTtl, List<String> redlockNodes, long lockTtlMillis, int lockAttempts,
                              long lockRetryMillis, int decrementAttempts, long soldOutFlagMillis, long sweepMillis,
                              int instances, long confirmTimeoutMillis, int confirmQueueMax, long pgLockTimeoutMillis,
                              long pgStatementTimeoutMillis, long staleConfirmMillis, int confirmBatchMax,
                              int confirmShards) {

  /** How long a caller waits for the inventory's answer to a hold, release, read or restock on the bus. */
  public long busTimeoutMillis() {
    return 10_000;
  }

  /**
   * How long a confirm's bus request waits: past the confirm's own deadline, long enough for a statement that started
   * just before it to be rolled back and answered.
   */
  public long confirmBusTimeoutMillis() {
    return confirmTimeoutMillis + 2 * pgStatementTimeoutMillis + 2_000;
  }

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
        c.integer("inventory.instances"), c.integer("inventory.confirmTimeoutMillis"),
        c.integer("inventory.confirmQueueMax"), c.integer("inventory.pgLockTimeoutMillis"),
        c.integer("inventory.pgStatementTimeoutMillis"), c.integer("inventory.staleConfirmMillis"),
        c.integer("inventory.confirmBatchMax"), c.integer("inventory.confirmShards"));
  }

  /** Refuses a cut-off that a live confirm could outlast. */
  public InventoryConfig {
    if (staleConfirmMillis <= confirmTimeoutMillis + 4 * pgStatementTimeoutMillis) {
      throw new IllegalStateException("inventory.staleConfirmMillis must exceed inventory.confirmTimeoutMillis + 4 ×"
          + " inventory.pgStatementTimeoutMillis (a confirm still running must never look orphaned)");
    }
    if (confirmBatchMax < 1 || confirmShards < 1) {
      throw new IllegalStateException("inventory.confirmBatchMax and inventory.confirmShards must be at least 1");
    }
  }
}
