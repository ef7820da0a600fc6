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
    SaleEvent.Queue settings = q == null ? null : new SaleEvent.Queue(q.getBoolean("enabled", true),
        q.getInteger("admitPerMinute", 6000), q.getInteger("maxActive", 0), q.getInteger("prequeueMinutes", 15),
        q.getInteger("admissionTtlSeconds", 600), q.getInteger("powBits", 16));
    String[] products = r.getArrayOfStrings(5);
    List<String> ids = products == null ? List.of() : Arrays.asList(products);
    return new QueueRegistry.Room(r.getString(0), r.getOffsetDateTime(1).toInstant(), r.getOffsetDateTime(2).toInstant(),
        settings, q != null && q.getBoolean("paused", false), q == null ? 0 : q.getLong("generation", 0L),
        r.getLong(4), List.copyOf(ids));
  }
}
