package io.flashsale.order;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job, one per process: every minute, delete idempotency keys whose answer is older than
 * {@code orders.idempotencyTtlSeconds}, so the table holds about a day of orders, not all of them.
 */
public final class IdempotencyExpiryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyExpiryVerticle.class);
  private static final int BATCH = 10_000;

  private final AppConfig config;
  private Pool pool;
  private long timer;

  public IdempotencyExpiryVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    // Planned at each call: how many keys are past their time decides between the expiry indexes and a whole-table
    // read, and a kept generic plan would guess a third of the table every minute.
    pool = PgConfig.from(config).pool(vertx, "pg-idempotency-expiry", 1,
        java.util.Map.of("plan_cache_mode", "force_custom_plan"));
    timer = vertx.setPeriodic(60_000, id -> expire(0));
    return Future.succeededFuture();
  }

  /** Batch after batch while batches come back full (a busy sale answers far more than one batch a minute). */
  private void expire(long sofar) {
    IdempotencyStore.expire(pool, config.integer("orders.idempotencyTtlSeconds"), BATCH)
        .onSuccess(n -> {
          if (n >= BATCH) {
            expire(sofar + n);
          } else if (sofar + n > 0) {
            LOG.info("expired {} idempotency keys", sofar + n);
          }
        })
        .onFailure(err -> LOG.warn("expiring idempotency keys failed, retried in a minute: {}", err.toString()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return pool.close();
  }
}
