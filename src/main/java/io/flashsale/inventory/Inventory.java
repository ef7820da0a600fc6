package io.flashsale.inventory;

import io.flashsale.infra.PipelinedRedis;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.infra.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.sqlclient.Pool;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Wires an {@link InventoryService} with its own clients (per verticle, or per CLI command); close them with it. */
public final class Inventory implements AutoCloseable {

  private final InventoryService service;
  private final StockCache cache;
  private final StockLedger ledger;
  private final Redis redis;
  private final PipelinedRedis lanes;
  private final List<Redis> lockNodes;
  private final Pool pool;

  private Inventory(InventoryService service, StockCache cache, StockLedger ledger, Redis redis, PipelinedRedis lanes,
                    List<Redis> lockNodes, Pool pool) {
    this.service = service;
    this.cache = cache;
    this.ledger = ledger;
    this.redis = redis;
    this.lanes = lanes;
    this.lockNodes = lockNodes;
    this.pool = pool;
  }

  /**
   * What every inventory verticle needs to build its own {@link Inventory} (each verticle owns its clients): the
   * config, the process's sold-out board and the app's clock.
   */
  public record Recipe(AppConfig config, SoldOutBoard board, Clock clock) {

    public Inventory build(Vertx vertx) {
      return create(vertx, config, board, clock);
    }

    /** With {@code hook} committing with each batch of confirms, on at most {@code pgConnections} connections. */
    public Inventory build(Vertx vertx, ConfirmHook hook, int pgConnections) {
      return create(vertx, config, board, clock, hook, pgConnections);
    }
  }

  public static Inventory create(Vertx vertx, AppConfig config, SoldOutBoard board, Clock clock) {
    return create(vertx, config, board, clock, ConfirmHook.NONE, 4);
  }

  /**
   * With {@code hook}, what commits with each batch of confirms (the app confirms the orders there), on at most
   * {@code pgConnections} PostgreSQL connections (background jobs need fewer than the request path).
   */
  public static Inventory create(Vertx vertx, AppConfig config, SoldOutBoard board, Clock clock, ConfirmHook hook,
                                 int pgConnections) {
    InventoryConfig inv = InventoryConfig.from(config);
    RedisKeys keys = RedisKeys.from(config);
    Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    List<Redis> lockNodes = new ArrayList<>();
    for (String url : inv.redlockNodes()) {
      lockNodes.add(Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
          .setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096)));
    }
    // Small: holds and confirms are short transactions, and PostgreSQL's connections are shared by every verticle.
    // lock_timeout / statement_timeout: a confirm stalled on a row lock fails (rolled back) instead of committing long
    // after its caller gave up.
    Pool pool = PgConfig.from(config).pool(vertx, "pg-inventory", pgConnections, java.util.Map.of(
        "lock_timeout", String.valueOf(inv.pgLockTimeoutMillis()),
        "statement_timeout", String.valueOf(inv.pgStatementTimeoutMillis())));
    // On a Redis Cluster the pooled client takes a connection to every master for each command: the hold, release
    // and confirm scripts go through long-lived lanes there (each routes by key and pipelines). On one server the
    // pool stays: lanes measured no better on 100 products and ~25 % worse on one hot product
    // (bench/results/2026-12-02-orders-inventory-lanes.md).
    PipelinedRedis lanes = RedisConfig.from(config).cluster() ? new PipelinedRedis(vertx, redis, 2) : null;
    StockCache cache = new StockCache(redis, lanes != null ? lanes::send : redis::send, keys, lanes == null);
    StockLedger ledger = new StockLedger(pool, Topics.from(config), inv.decrementAttempts());
    Redlock redlock = new Redlock(vertx, lockNodes, clock, 50, inv.lockAttempts(), inv.lockRetryMillis());
    InventoryService service = new InventoryService(vertx, cache, ledger, redlock, keys, board, clock, inv,
        hook);
    return new Inventory(service, cache, ledger, redis, lanes, lockNodes, pool);
  }

  public InventoryService service() {
    return service;
  }

  public StockRecovery recovery() {
    return service.recovery();
  }

  public StockCache cache() {
    return cache;
  }

  public StockLedger ledger() {
    return ledger;
  }

  public Future<Void> closeAsync() {
    List<Future<?>> closing = new ArrayList<>();
    if (lanes != null) {
      closing.add(lanes.close());
    }
    closing.add(redis.close());
    lockNodes.forEach(n -> closing.add(n.close()));
    closing.add(pool.close());
    return Future.join(closing).mapEmpty();
  }

  @Override
  public void close() {
    closeAsync();
  }
}
