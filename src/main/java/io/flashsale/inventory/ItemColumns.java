package io.flashsale.inventory;

import java.util.List;

/**
 * The lines of some checkouts as columns — one array per field, checkout after checkout, each line naming its checkout
 * and its position in it — for statements that insert many lines at once with {@code unnest($n::text[], …)}.
 */
public record ItemColumns(String[] checkoutIds, String[] productIds, Integer[] positions, Integer[] quantities,
                          Long[] unitPrices, String[] eventIds, Integer[] limitsPerUser) {

  public static ItemColumns of(List<Checkout> checkouts) {
    int n = checkouts.stream().mapToInt(c -> c.items().size()).sum();
    ItemColumns cols = new ItemColumns(new String[n], new String[n], new Integer[n], new Integer[n], new Long[n],
        new String[n], new Integer[n]);
    int row = 0;
    for (Checkout c : checkouts) {
      for (int i = 0; i < c.items().size(); i++, row++) {
        PricedItem it = c.items().get(i);
        cols.checkoutIds[row] = c.checkoutId();
        cols.productIds[row] = it.productId();
        cols.positions[row] = i;
        cols.quantities[row] = it.quantity();
        cols.unitPrices[row] = it.unitPrice();
        cols.eventIds[row] = it.eventId();
        cols.limitsPerUser[row] = it.limitPerUser();
      }
    }
    return cols;
  }
}
