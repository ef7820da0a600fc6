package io.flashsale.dashboard;

import io.flashsale.support.Load;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.flashsale.support.Fixtures.checkoutBody;
import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The live dashboard, in headless Chromium")
class DashboardIT {

  private static final Pattern ORDERS = Pattern.compile("id=\"orders-total\">([0-9,]+)<");

  /** Runs Debian's chromium headless (flags per this workplace: no background networking, fresh profile). */
  private static String chromium(String url, String... extra) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,900", "--virtual-time-budget=4000"));
    cmd.addAll(List.of(extra));
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("chromium did not finish");
    }
    return out;
  }

  private static long ordersOnPage(String url) {
    try {
      Matcher m = ORDERS.matcher(chromium(url, "--dump-dom"));
      return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("The page loads, its order count moves when orders are placed, and a screenshot is taken")
  void liveNumbers() throws Exception {
    try (TestApp app = TestApp.start()) {
      String url = "http://127.0.0.1:" + app.port() + "/admin/?token=" + app.adminToken();
      long before = ordersOnPage(url);
      assertThat(before).as("the page rendered its numbers").isGreaterThanOrEqualTo(0);

      String productId = openSale(app, 50, 5);
      for (int i = 0; i < 3; i++) {
        String token = app.shopperToken(uniqueId("u"));
        HttpResponse<String> co = app.send(Load.post(app.port(), "/api/checkouts", token, checkoutBody(productId, 1)));
        HttpResponse<String> order = app.send(Load.post(app.port(), "/api/orders", token, new JsonObject()
            .put("checkoutId", new JsonObject(co.body()).getString("checkoutId"))
            .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")).encode())
            .header("Idempotency-Key", uniqueId("k")));
        assertThat(order.statusCode()).isEqualTo(201);
      }
      waitUntil(Duration.ofSeconds(60), () -> ordersOnPage(url) >= before + 3, "the dashboard to show the new orders");

      Path shot = TestInfra.repoRoot().resolve("target/dashboard.png");
      Files.deleteIfExists(shot);
      chromium(url, "--screenshot=" + shot);
      assertThat(shot).exists();
      assertThat(Files.size(shot)).isGreaterThan(10_000);
      HttpResponse<String> stats = app.get("/admin/stats", "Authorization", "Bearer " + app.adminToken());
      assertThat(new JsonObject(stats.body()).getLong("ordersInWindow")).isGreaterThanOrEqualTo(before + 3);
      assertThat(app.get("/admin/stats", "Authorization", "Bearer " + app.shopperToken("u1")).statusCode())
          .isEqualTo(403);
    }
  }
}
