package io.flashsale.inventory;

import java.util.List;

/**
 * A checkout's lines as columns — one array per field, in line order — for statements that insert many lines at once
 * with {@code unnest($n::text[], …)}.
 */
public record ItemColumns(String[] productIds, Integer[] positions, Integer[] quantities, Long[] unitPrices,
                          String[] eventIds, Integer[] limitsPerUser) {

  public static ItemColumns of(List<PricedItem> items) {
    int n = items.size();
    ItemColumns c = new ItemColumns(new String[n], new Integer[n], new Integer[n], new Long[n], new String[n],
        new Integer[n]);
    for (int i = 0; i < n; i++) {
      PricedItem it = items.get(i);
      c.productIds[i] = it.productId();
      c.positions[i] = i;
      c.quantities[i] = it.quantity();
      c.unitPrices[i] = it.unitPrice();
      c.eventIds[i] = it.eventId();
      c.limitsPerUser[i] = it.limitPerUser();
    }
    return c;
  }
}
