package io.flashsale.outbox;

import io.flashsale.infra.PgConfig;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.createOpenEvent;
import static io.flashsale.support.Fixtures.createProduct;
import static io.flashsale.support.Fixtures.product;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("With the Kafka broker down, admin writes still succeed and reach the views once it is back")
class KafkaOutageIT {

  private static TestApp app;

  @BeforeAll
  static void startApp() {
    app = TestApp.start();
  }

  @AfterAll
  static void stopApp() {
    app.close();
  }

  private JsonObject firstItem(String eventId) {
    HttpResponse<String> r = app.get("/api/events/" + eventId);
    return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("products").getJsonObject(0) : null;
  }

  @Test
  @DisplayName("Stop the broker, write six changes, restart it: every change reaches the event page")
  void writesWaitInTheOutboxWhileKafkaIsDown() throws Exception {
    String productId = uniqueId("p");
    String eventId = uniqueId("e");
    createProduct(app, productId, 10_000, 50);
    createOpenEvent(app, eventId, productId);
    waitUntil(Duration.ofSeconds(10), () -> firstItem(eventId) != null, "the event page");

    PgConfig pg = PgConfig.from(app.config());
    Pool pool = pg.pool(app.vertx(), "test", 4);
    try {
      TestInfra.stopKafka();
      try {
        for (int price = 11_000; price <= 15_000; price += 1_000) {
          HttpResponse<String> r = app.putAdmin("/admin/products/" + productId, product("Padded Jacket", price));
          assertThat(r.statusCode()).as("admin write while Kafka is down: %s", r.body()).isEqualTo(200);
        }
        HttpResponse<String> stock = app.putAdmin("/admin/products/" + productId + "/stock",
            new JsonObject().put("quantity", 0));
        assertThat(stock.statusCode()).isEqualTo(200);
        assertThat(OutboxStore.countPending(pool).await(5, TimeUnit.SECONDS)).as("rows waiting in the outbox")
            .isGreaterThanOrEqualTo(6);
        assertThat(firstItem(eventId).getLong("price")).as("the page cannot have moved yet").isEqualTo(10_000);
      } finally {
        TestInfra.startKafka();
      }
      waitUntil(Duration.ofSeconds(90), () -> {
        JsonObject item = firstItem(eventId);
        return item != null && item.getLong("price") == 15_000 && item.getBoolean("soldOut");
      }, "every change to reach the page after Kafka restarted");
      waitUntil(Duration.ofSeconds(30), () -> {
        try {
          return OutboxStore.countPending(pool).await(5, TimeUnit.SECONDS) == 0;
        } catch (Exception e) {
          return false;
        }
      }, "the outbox to drain");
    } finally {
      pool.close();
    }
  }
}
