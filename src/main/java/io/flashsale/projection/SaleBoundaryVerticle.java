package io.flashsale.projection;

import io.flashsale.catalog.SaleBoundaries;
import io.flashsale.display.DisplayConfig;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces sale boundaries (one per process; the instances share one clock in PostgreSQL): every
 * {@code display.boundaryPollMillis} it asks {@link SaleBoundaries} to give the events that opened or closed since
 * their new versions, so their pages and product views are re-projected within about a second of the moment.
 */
public final class SaleBoundaryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SaleBoundaryVerticle.class);

  private final AppConfig config;
  private Pool pool;
  private SaleBoundaries boundaries;
  private long timer;
  private boolean running;
  private long pollMillis;

  public SaleBoundaryVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    pool = PgConfig.from(config).pool(vertx, "pg-boundaries", 1);
    boundaries = new SaleBoundaries(pool, Topics.from(config));
    pollMillis = DisplayConfig.from(config).boundaryPollMillis();
    timer = vertx.setPeriodic(pollMillis, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    if (running) {
      return;
    }
    running = true;
    boundaries.announce().onSuccess(n -> {
      if (n > 0) {
        LOG.info("{} sale(s) opened or closed: their views are re-projected", n);
      }
    }).compose(x -> boundaries.nextBoundaryInMillis()).onSuccess(this::aimAt)
        .onFailure(err -> LOG.warn("announcing sale boundaries failed, retried on the next tick: {}", err.toString()))
        .onComplete(x -> running = false);
  }

  /** A boundary due before the next poll gets a timer of its own, so it is announced at its moment, not up to a poll late. */
  private void aimAt(Long inMillis) {
    if (inMillis != null && inMillis >= 0 && inMillis < pollMillis) {
      vertx.setTimer(Math.max(1, inMillis + 1), id -> tick());
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return pool.close();
  }
}
