package io.flashsale.display;

import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Builds views from the PostgreSQL write model; each view from a single statement, so from one snapshot. */
public final class ViewBuilder {

  private final Pool pool;
  private final RedisKeys keys;

  public ViewBuilder(Pool pool, RedisKeys keys) {
    this.pool = pool;
    this.keys = keys;
  }

  /** The view, or {@code null} when the event or product does not exist. */
  public Future<View> build(ViewKind kind, String id) {
    return switch (kind) {
      case EVENT_PAGE -> pool.preparedQuery(DisplaySql.EVENT_PAGE).execute(Tuple.of(id))
          .map(rows -> eventPage(keys.eventView(id), rows));
      case PRODUCT -> pool.preparedQuery(DisplaySql.PRODUCT).execute(Tuple.of(id))
          .map(rows -> product(keys.productView(id), rows));
    };
  }

  public Future<List<String>> eventsOfProducts(Collection<String> productIds) {
    if (productIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(DisplaySql.EVENTS_OF_PRODUCTS)
        .execute(Tuple.of((Object) productIds.toArray(String[]::new))).map(ViewBuilder::firstColumn);
  }

  public Future<List<String>> productsOfEvent(String eventId) {
    return pool.preparedQuery(DisplaySql.PRODUCTS_OF_EVENT).execute(Tuple.of(eventId)).map(ViewBuilder::firstColumn);
  }

  static View eventPage(String key, RowSet<Row> rows) {
    if (rows.size() == 0) {
      return null;
    }
    JsonObject page = null;
    JsonArray products = new JsonArray();
    for (Row r : rows) {
      if (page == null) {
        page = new JsonObject().put("eventId", r.getString("event_id")).put("title", r.getString("title"))
            .put("startsAt", iso(r.getOffsetDateTime("starts_at"))).put("endsAt", iso(r.getOffsetDateTime("ends_at")))
            .put("version", r.getLong("version"));
      }
      if (r.getString("product_id") == null) {
        continue;
      }
      long price = r.getLong("price");
      long salePrice = r.getLong("sale_price");
      products.add(new JsonObject().put("productId", r.getString("product_id")).put("name", r.getString("name"))
          .put("brand", r.getString("brand")).put("category", r.getString("category"))
          .put("imageUrl", r.getString("image_url")).put("price", price).put("salePrice", salePrice)
          .put("discountRate", discountRate(price, salePrice)).put("limitPerUser", r.getInteger("limit_per_user"))
          .put("soldOut", r.getLong("quantity") <= 0));
    }
    page.put("products", products);
    return new View(key, page.getLong("version"), page.toBuffer());
  }

  static View product(String key, RowSet<Row> rows) {
    if (rows.size() == 0) {
      return null;
    }
    Row r = rows.iterator().next();
    JsonObject event = null;
    if (r.getString("event_id") != null) {
      event = new JsonObject().put("eventId", r.getString("event_id")).put("salePrice", r.getLong("sale_price"))
          .put("limitPerUser", r.getInteger("limit_per_user")).put("startsAt", iso(r.getOffsetDateTime("starts_at")))
          .put("endsAt", iso(r.getOffsetDateTime("ends_at")));
    }
    long version = r.getLong("version");
    JsonObject json = new JsonObject().put("productId", r.getString("product_id")).put("name", r.getString("name"))
        .put("brand", r.getString("brand")).put("category", r.getString("category"))
        .put("imageUrl", r.getString("image_url")).put("price", r.getLong("price")).put("event", event)
        .put("soldOut", r.getLong("quantity") <= 0).put("version", version);
    return new View(key, version, json.toBuffer());
  }

  /** Whole percent off the list price, rounded down so we never overstate a discount. */
  public static int discountRate(long price, long salePrice) {
    if (price <= 0 || salePrice >= price) {
      return 0;
    }
    return (int) ((price - salePrice) * 100 / price);
  }

  private static String iso(OffsetDateTime t) {
    return t.toInstant().toString();
  }

  private static List<String> firstColumn(RowSet<Row> rows) {
    List<String> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(r.getString(0)));
    return out;
  }
}
