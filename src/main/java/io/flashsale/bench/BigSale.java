package io.flashsale.bench;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A sale of thousands of products, as an operator sends it: the catalog written in bulk, then one event upsert body. */
public final class BigSale {

  private BigSale() {
  }

  /** {@code n} products {@code <prefix>-1..n} (20,000 won, 10 in stock) written straight into PostgreSQL, as a seed does. */
  public static Future<Void> insertProducts(Pool pool, String prefix, int n) {
    return pool.preparedQuery("""
            insert into products (product_id, name, brand, category, price)
            select $1 || '-' || i, 'Big Sale Item ' || i, 'BigSale', 'Tops', 20000 from generate_series(1, $2) i""")
        .execute(Tuple.of(prefix, n))
        .compose(x -> pool.preparedQuery("""
            insert into stock (product_id, quantity) select $1 || '-' || i, 10 from generate_series(1, $2) i""")
            .execute(Tuple.of(prefix, n))).mapEmpty();
  }

  /** The admin upsert body of a sale of all of them, open from an hour ago for a day. */
  public static JsonObject event(String prefix, int n) {
    JsonArray items = new JsonArray();
    for (int i = 1; i <= n; i++) {
      items.add(new JsonObject().put("productId", prefix + "-" + i).put("salePrice", 14_000).put("limitPerUser", 2));
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return new JsonObject().put("title", "Big sale").put("startsAt", now.minus(1, ChronoUnit.HOURS).toString())
        .put("endsAt", now.plus(1, ChronoUnit.DAYS).toString()).put("items", items);
  }
}
