package io.flashsale.payment;

import io.flashsale.infra.AppConfig;
import io.flashsale.support.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The payment client against a provider that hangs")
class PaymentClientIT {

  @Test
  @DisplayName("70 calls to a provider that hangs for a minute do not pin the connection pool: once it answers again,"
      + " the next call succeeds at once")
  void hungProviderGivesConnectionsBack() throws Exception {
    int port = io.flashsale.support.TestApp.freePort();
    AppConfig config = TestInfra.config().with(new JsonObject().put("payment.simulator.port", port)
        .put("payment.url", "http://127.0.0.1:" + port).put("payment.timeoutMillis", 300)
        .put("payment.breakerMaxFailures", 10_000));
    Vertx vertx = Vertx.vertx();
    HttpClient admin = HttpClient.newHttpClient();
    try {
      vertx.deployVerticle(new PaymentSimulatorVerticle(config)).await(30, TimeUnit.SECONDS);
      faults(admin, port, new JsonObject().put("latencyMillis", 60_000));
      PaymentClient client = new PaymentClient(vertx, PaymentConfig.from(config));
      List<Future<PaymentClient.Payment>> hung = new ArrayList<>();
      for (int i = 0; i < 70; i++) {
        hung.add(client.authorize("hang-" + UUID.randomUUID(), 1_000, "tok_ok"));
      }
      Future.join(new ArrayList<>(hung)).otherwiseEmpty().await(30, TimeUnit.SECONDS);
      assertThat(hung).allMatch(Future::failed);
      faults(admin, port, new JsonObject());
      // Without a request timeout the 64 pooled connections stay pinned for the provider's minute.
      waitUntil(Duration.ofSeconds(5), () -> {
        try {
          return "AUTHORIZED".equals(client.authorize("ok-" + UUID.randomUUID(), 1_000, "tok_ok")
              .await(5, TimeUnit.SECONDS).status());
        } catch (Exception e) {
          return false;
        }
      }, "a call to succeed once the provider answers again");
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static void faults(HttpClient http, int port, JsonObject switches) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/faults"))
        .PUT(HttpRequest.BodyPublishers.ofString(switches.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }
}
