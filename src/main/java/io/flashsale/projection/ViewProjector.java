package io.flashsale.projection;

import io.flashsale.catalog.CatalogStore;
import io.flashsale.display.ViewKind;
import io.flashsale.display.ViewMaterializer;
import io.flashsale.outbox.OutboxEvent;
import io.flashsale.catalog.SaleBoundaries;
import io.flashsale.infra.Concurrently;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns catalog events into view rebuilds. A batch is reduced to the set of affected views first, so a burst of
 * changes to one event rebuilds its page once. Rebuilding from PostgreSQL makes this idempotent and order-proof:
 * a duplicate or late event just rebuilds the current state, and Redis keeps only newer versions.
 */
public final class ViewProjector {

  /** Builds in flight at once: a little more than the projector's PostgreSQL pool, so it stays busy. */
  static final int PARALLELISM = 8;

  private final ViewMaterializer materializer;

  public ViewProjector(ViewMaterializer materializer) {
    this.materializer = materializer;
  }

  /** Rebuilds every view the events affect; answers how many views were rebuilt. */
  public Future<Integer> project(List<OutboxEvent> events) {
    Set<String> products = new LinkedHashSet<>();
    Set<String> pages = new LinkedHashSet<>();
    for (OutboxEvent e : events) {
      switch (e.type()) {
        case CatalogStore.PRODUCT_UPSERTED, CatalogStore.STOCK_SET -> products.add(e.aggregateId());
        case CatalogStore.EVENT_UPSERTED, SaleBoundaries.EVENT_BOUNDARY -> {
          pages.add(e.aggregateId());
          JsonArray affected = e.payload().getJsonArray("affectedProductIds", new JsonArray());
          affected.forEach(id -> products.add(String.valueOf(id)));
        }
        default -> { }
      }
    }
    return materializer.builder().eventsOfProducts(products).compose(eventIds -> {
      pages.addAll(eventIds);
      List<java.util.Map.Entry<ViewKind, String>> views = new ArrayList<>(products.size() + pages.size());
      pages.forEach(id -> views.add(java.util.Map.entry(ViewKind.EVENT_PAGE, id)));
      products.forEach(id -> views.add(java.util.Map.entry(ViewKind.PRODUCT, id)));
      // Bounded: an event of thousands of products must not queue thousands of builds on a small pool at once (its
      // wait queue would overflow, the batch fail and be retried forever).
      return Concurrently.forEach(views, PARALLELISM, v -> materializer.materialize(v.getKey(), v.getValue()))
          .map(views.size());
    });
  }
}
