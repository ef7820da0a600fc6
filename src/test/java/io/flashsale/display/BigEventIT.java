package io.flashsale.display;

import io.flashsale.bench.BigSale;
import io.flashsale.infra.PgConfig;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("A sale event of 5,000 products")
class BigEventIT {

  @Test
  @DisplayName("is upserted through the admin API in one request, and the projector brings every view along without"
      + " wedging (5,001 rebuilds from one record)")
  void bigEventThroughTheApi() throws Exception {
    int n = 5_000;
    try (TestApp app = TestApp.start()) {
      String prefix = uniqueId("big");
      Pool pool = PgConfig.from(app.config()).pool(app.vertx(), "test-big", 2);
      try {
        // The catalog already holds the products (as after a seed); the sale is the operator's one request.
        BigSale.insertProducts(pool, prefix, n).await(60, TimeUnit.SECONDS);
      } finally {
        pool.close();
      }
      String eventId = prefix + "-sale";
      JsonObject event = BigSale.event(prefix, n);
      assertThat(event.encode().length()).as("well over the shopper API's 64 KiB").isGreaterThan(300_000);
      HttpResponse<String> r = app.putAdmin("/admin/events/" + eventId, event);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

      waitUntil(Duration.ofSeconds(120), () -> {
        HttpResponse<String> page = app.get("/api/events/" + eventId);
        return page.statusCode() == 200 && new JsonObject(page.body()).getJsonArray("products").size() == n;
      }, "the event page with all its products");
      for (int i = 1; i <= n; i += 499) {
        String productId = prefix + "-" + i;
        waitUntil(Duration.ofSeconds(120), () -> app.get("/api/products/" + productId).body().contains(eventId),
            "product view " + productId + " to show the sale");
      }
      waitUntil(Duration.ofSeconds(120), () -> app.get("/api/products/" + prefix + "-" + n).body().contains(eventId),
          "the last product view to show the sale");
    }
  }
}
