package io.flashsale.admission;

import io.flashsale.catalog.SaleEvent;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.Arrays;
import java.util.List;

/** Reads a row of {@link QueueSql#ROOMS} (or of a switch's answer) into a {@link QueueRegistry.Room}. */
final class Rooms {

  private Rooms() {
  }

  static QueueRegistry.Room from(Row r) {
    JsonObject q = r.getJsonObject(3);
    SaleEvent.Queue settings = SaleEvent.Queue.fromJson(q);
    String[] products = r.getArrayOfStrings(5);
    List<String> ids = products == null ? List.of() : Arrays.asList(products);
    return new QueueRegistry.Room(r.getString(0), r.getOffsetDateTime(1).toInstant(), r.getOffsetDateTime(2).toInstant(),
        settings, q != null && q.getBoolean("paused", false), q == null ? 0 : q.getLong("generation", 0L),
        r.getLong(4), List.copyOf(ids));
  }
}
