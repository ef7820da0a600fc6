package io.flashsale.dashboard;

import io.flashsale.support.Browser;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.flashsale.support.Fixtures.openSale;
import static io.flashsale.support.Fixtures.placeOrder;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(TestInfra.class)
@DisplayName("The live dashboard, in headless Chromium, behind the operator's sign-in")
class DashboardIT {

  @Test
  @DisplayName("An operator signs in through the form (no token in any URL), sees orders move and the async health,"
      + " and signs out")
  void signInAndWatch() throws Exception {
    try (TestApp app = TestApp.start(); Browser browser = Browser.start()) {
      String page = "http://127.0.0.1:" + app.port() + "/admin/";
      browser.open(page);
      try {
        waitUntil(Duration.ofSeconds(30), () -> visible(browser, "#sign-in"), "the sign-in form");
      } catch (AssertionError e) {
        String probe;
        try {
          probe = String.valueOf(browser.text("#sign-in"));
        } catch (Exception x) {
          probe = x.toString();
        }
        throw new AssertionError(e.getMessage() + "; #sign-in reads " + probe + "; the page: " + browser.source(), e);
      }
      browser.type("#token", app.adminToken());
      browser.click("#sign-in-button");
      waitUntil(Duration.ofSeconds(30), () -> ordersOnPage(browser) >= 0, "the dashboard's numbers after sign-in");
      long before = ordersOnPage(browser);

      String productId = openSale(app, 50, 5);
      for (int i = 0; i < 3; i++) {
        placeOrder(app, app.shopperToken(uniqueId("u")), productId);
      }
      waitUntil(Duration.ofSeconds(60), () -> ordersOnPage(browser) >= before + 3, "the dashboard to show the new orders");
      // The async health an operator needs: consumer lag per group (the probe measures every 2 s), the outbox
      // backlog and the payment breaker.
      waitUntil(Duration.ofSeconds(30), () -> text(browser, "#lag-rows").contains("view-projector"),
          "the consumer groups' lag on the page");
      assertThat(text(browser, "#breaker")).isEqualTo("CLOSED");
      assertThat(text(browser, "#outbox")).matches("[0-9,]+");

      Path shot = TestInfra.repoRoot().resolve("target/dashboard.png");
      Files.deleteIfExists(shot);
      browser.screenshot(shot);
      assertThat(Files.size(shot)).isGreaterThan(10_000);

      browser.click("#sign-out");
      waitUntil(Duration.ofSeconds(30), () -> visible(browser, "#sign-in"), "the sign-in form after sign-out");
      List<String> urls = browser.requestedUrls();
      assertThat(urls).as("the browser fetched the page, its script and the stats").anyMatch(u -> u.endsWith("/admin/stats"));
      assertThat(urls).as("no URL the browser asked for carries a token")
          .noneMatch(u -> u.contains("token") || u.contains(app.adminToken()));
      // Signed out: the cookie is gone, so a reload shows the form again and the stats refuse.
      browser.open(page);
      waitUntil(Duration.ofSeconds(30), () -> visible(browser, "#sign-in"), "the sign-in form after a reload");
    }
  }

  private static HttpResponse<String> signIn(TestApp app, String body) {
    return app.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + app.port() + "/admin/session"))
        .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
  }

  private static boolean visible(Browser browser, String css) {
    try {
      String t = browser.text(css);
      return t != null && !t.isBlank();
    } catch (Exception e) {
      return false;
    }
  }

  private static String text(Browser browser, String css) {
    try {
      String t = browser.text(css);
      return t == null ? "" : t;
    } catch (Exception e) {
      return "";
    }
  }

  private static long ordersOnPage(Browser browser) {
    String t = text(browser, "#orders-total").replace(",", "");
    return t.matches("[0-9]+") ? Long.parseLong(t) : -1;
  }

  @Test
  @DisplayName("The session cookie: HttpOnly, SameSite=Strict, short-lived and signed; a URL token opens nothing;"
      + " bad sign-ins answer 4xx and set nothing")
  void sessionCookie() throws Exception {
    try (TestApp app = TestApp.start()) {
      HttpResponse<String> signIn = signIn(app, new JsonObject().put("token", app.adminToken()).encode());
      assertThat(signIn.statusCode()).isEqualTo(200);
      String setCookie = signIn.headers().firstValue("set-cookie").orElseThrow();
      assertThat(setCookie).startsWith("flashsale_session=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
          .contains("Path=/admin");
      java.util.regex.Matcher maxAge = java.util.regex.Pattern.compile("Max-Age=([0-9]+)").matcher(setCookie);
      assertThat(maxAge.find()).isTrue();
      assertThat(Long.parseLong(maxAge.group(1))).as("short-lived: admin.sessionMinutes (30) at most")
          .isBetween(1L, 1800L);
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      assertThat(app.get("/admin/stats", "Cookie", cookie).statusCode()).isEqualTo(200);

      // The cookie is a session, not a door for any token: a plain admin token in the cookie is refused.
      assertThat(app.get("/admin/stats", "Cookie", "flashsale_session=" + app.adminToken()).statusCode()).isEqualTo(401);
      // An altered payload is refused (the signature no longer matches).
      int dot = cookie.indexOf('.');
      char c = cookie.charAt(dot + 5);
      String altered = cookie.substring(0, dot + 5) + (c == 'A' ? 'B' : 'A') + cookie.substring(dot + 6);
      assertThat(app.get("/admin/stats", "Cookie", altered).statusCode()).isEqualTo(401);
      // The cookie opens reads only: an admin write ridden on it (CSRF) is refused and changes nothing.
      String userId = uniqueId("u");
      assertThat(app.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + app.port()
              + "/admin/users/" + userId)).header("content-type", "application/json")
          .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"grade\":\"GOLD\"}")), "Cookie", cookie)
          .statusCode()).isEqualTo(401);
      // A session token is no Bearer token, and the cookie opens nothing outside /admin.
      assertThat(app.get("/admin/stats", "Authorization", "Bearer " + cookie.substring(cookie.indexOf('=') + 1))
          .statusCode()).isEqualTo(401);
      assertThat(app.get("/api/orders/nope", "Cookie", cookie).statusCode()).isEqualTo(401);
      // A session never outlives the token it was traded for.
      String shortToken = new io.flashsale.http.Auth(app.vertx(), app.config().string("auth.jwtSecret"))
          .issue("ops-short", true, Duration.ofSeconds(20));
      String shortCookie = signIn(app, new JsonObject().put("token", shortToken).encode()).headers()
          .firstValue("set-cookie").orElseThrow();
      java.util.regex.Matcher shortAge = java.util.regex.Pattern.compile("Max-Age=([0-9]+)").matcher(shortCookie);
      assertThat(shortAge.find()).isTrue();
      assertThat(Long.parseLong(shortAge.group(1))).isBetween(1L, 20L);
      // ?token= in a URL opens nothing any more.
      assertThat(app.get("/admin/stats?token=" + app.adminToken()).statusCode()).isEqualTo(401);
      assertThat(app.get("/admin?token=" + app.adminToken()).headers().firstValue("location").orElse(""))
          .isEqualTo("/admin/");

      // Bad sign-ins: a shopper's token, a forged one, no token, bad JSON — 4xx JSON, no cookie.
      for (var bad : List.of(
          Map.entry(new JsonObject().put("token", app.shopperToken("u1")).encode(), 403),
          Map.entry(new JsonObject().put("token", "not-a-jwt").encode(), 401),
          Map.entry(new JsonObject().encode(), 400),
          Map.entry("{", 400),
          Map.entry(new JsonObject().put("token", app.adminToken()).put("extra", 1).encode(), 400))) {
        HttpResponse<String> r = signIn(app, bad.getKey());
        assertThat(r.statusCode()).as(bad.getKey()).isEqualTo(bad.getValue());
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isNotBlank();
        assertThat(r.headers().firstValue("set-cookie")).as("no cookie for " + bad.getKey()).isEmpty();
      }

      // A browser without scripts posts the form and lands back on the dashboard.
      HttpResponse<String> form = app.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + app.port() + "/admin/session"))
          .header("content-type", "application/x-www-form-urlencoded")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=" + app.adminToken())));
      assertThat(form.statusCode()).isEqualTo(303);
      assertThat(form.headers().firstValue("location")).contains("/admin/");
      assertThat(form.headers().firstValue("set-cookie").orElse("")).startsWith("flashsale_session=");

      // Sign-out clears the cookie.
      HttpResponse<String> out = app.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + app.port() + "/admin/session")).DELETE());
      assertThat(out.statusCode()).isEqualTo(204);
      assertThat(out.headers().firstValue("set-cookie").orElse("")).startsWith("flashsale_session=;")
          .contains("Max-Age=0");

      // The page itself opens without a session (it holds no data) and forbids inline and foreign scripts.
      HttpResponse<String> pageResponse = app.get("/admin/");
      assertThat(pageResponse.statusCode()).isEqualTo(200);
      assertThat(pageResponse.headers().firstValue("content-security-policy").orElse("")).contains("script-src 'self'");
      assertThat(app.get("/admin/stats", "Authorization", "Bearer " + app.shopperToken("u1")).statusCode())
          .isEqualTo(403);
    }
  }
}
