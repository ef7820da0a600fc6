package io.flashsale.support;

import io.flashsale.inventory.Inventory;
import io.flashsale.inventory.SoldOutBoard;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** Looks at a running app's inventory from a test: Redis's available units and PostgreSQL figures. */
public final class InventoryProbe implements AutoCloseable {

  private final Inventory inventory;

  public InventoryProbe(TestApp app) {
    this.inventory = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(Clock.systemUTC(), 0),
        Clock.systemUTC());
  }

  public Inventory inventory() {
    return inventory;
  }

  /** Redis's available units of a product, or −1 when Redis has none for it. */
  public long available(String productId) {
    try {
      Long v = inventory.cache().available(productId).await(5, TimeUnit.SECONDS);
      return v == null ? -1 : v;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of a one-parameter query. */
  public long sql(String query, String arg) {
    try {
      return inventory.ledger().pool().preparedQuery(query).execute(Tuple.of(arg)).await(5, TimeUnit.SECONDS)
          .iterator().next().getLong(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of a one-parameter query, as text ({@code null} without a row). */
  public String text(String query, String arg) {
    try {
      var rs = inventory.ledger().pool().preparedQuery(query).execute(Tuple.of(arg)).await(10, TimeUnit.SECONDS);
      return rs.size() == 0 ? null : rs.iterator().next().getString(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A row lock held by a session of its own until {@link #release()}; {@link #waiters()} counts who waits for it. */
  public final class RowLock {
    private final io.vertx.core.Promise<Void> release = io.vertx.core.Promise.promise();
    private int pid;

    /**
     * The sessions queued behind this one (PostgreSQL's own answer, whatever else the server is doing): the first
     * waiter is blocked by us, later ones by the waiter ahead of them in the row's queue — so follow the chain.
     */
    public long waiters() {
      try {
        return inventory.ledger().pool().preparedQuery("""
                with recursive blocked(pid) as (
                  select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
                  union
                  select a.pid from pg_stat_activity a join blocked b on b.pid = any(pg_blocking_pids(a.pid)))
                select count(*) from blocked""")
            .execute(Tuple.of(pid)).await(5, TimeUnit.SECONDS).iterator().next().getLong(0);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    public void release() {
      release.tryComplete();
    }
  }

  /** Locks the rows {@code lockingQuery} selects ({@code ... for update}, one parameter) from a session of its own. */
  public RowLock holdRowLock(String lockingQuery, String arg) {
    RowLock lock = new RowLock();
    io.vertx.core.Promise<Void> locked = io.vertx.core.Promise.promise();
    inventory.ledger().pool().withTransaction(tx -> tx.query("select pg_backend_pid()").execute()
        .compose(rs -> {
          lock.pid = rs.iterator().next().getInteger(0);
          return tx.preparedQuery(lockingQuery).execute(Tuple.of(arg));
        })
        .compose(x -> {
          locked.complete();
          return lock.release.future();
        }));
    try {
      locked.future().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return lock;
  }

  @Override
  public void close() {
    inventory.close();
  }
}
