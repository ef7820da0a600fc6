package io.flashsale.cli;

import io.flashsale.infra.AppConfig;
import io.flashsale.inventory.Inventory;
import io.flashsale.inventory.InventoryService;
import io.flashsale.inventory.SoldOutBoard;
import io.flashsale.inventory.StockRecovery;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code stock reconcile}: makes Redis's stock follow PostgreSQL again, and reports the drift it found. */
@Command(name = "stock", mixinStandardHelpOptions = true, description = "Stock operations.",
    subcommands = StockCommand.Reconcile.class)
final class StockCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(name = "reconcile", mixinStandardHelpOptions = true,
      description = "Set Redis available stock = PostgreSQL quantity - units held, product by product under its lock "
          + "(safe while the app serves). With --rebuild, re-create everything from PostgreSQL as after a Redis loss.")
  static final class Reconcile implements Callable<Integer> {

    @Option(names = "--product", description = "only these products (repeatable); default: all")
    List<String> products;

    @Option(names = "--rebuild", description = "re-create holds, limits and stock from PostgreSQL (Redis lost its data)")
    boolean rebuild;

    @Override
    public Integer call() throws Exception {
      AppConfig config = AppConfig.load();
      Vertx vertx = Vertx.vertx();
      Inventory inventory = Inventory.create(vertx, config, new SoldOutBoard(Clock.systemUTC(), 0), Clock.systemUTC());
      long started = System.nanoTime();
      try {
        InventoryService service = inventory.service();
        StockRecovery.ReconcileReport report;
        if (rebuild) {
          report = service.recovery().rebuildExclusively(600).await(10, TimeUnit.MINUTES);
        } else if (products != null && !products.isEmpty()) {
          List<String> unknown = inventory.ledger().unknownProducts(products).await(1, TimeUnit.MINUTES);
          if (!unknown.isEmpty()) {
            System.err.println("unknown product(s): " + String.join(", ", unknown) + " (nothing was reconciled)");
            return 1;
          }
          report = service.recovery().reconcile(products).await(10, TimeUnit.MINUTES);
        } else {
          report = service.recovery().reconcileAll().await(30, TimeUnit.MINUTES);
        }
        System.out.printf("reconciled %d products in %.2f s; Redis was off by %d units in total%n", report.products(),
            (System.nanoTime() - started) / 1e9, report.driftUnits());
        return 0;
      } catch (Exception e) {
        System.err.println("reconcile failed: " + e);
        return 1;
      } finally {
        inventory.closeAsync().await(10, TimeUnit.SECONDS);
        Cli.closeQuietly(vertx);
      }
    }
  }
}
