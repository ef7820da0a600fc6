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

  @Override
  public void close() {
    inventory.close();
  }
}
