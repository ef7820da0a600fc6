package io.flashsale.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Debian Chromium driven through chromedriver's W3C WebDriver protocol (plain HTTP + JSON, no client
 * library): open a page, type, click, read text, take a screenshot, and list every URL the browser requested.
 */
public final class Browser implements AutoCloseable {

  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

  private final Process driver;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String session;
  private final List<String> requested = new ArrayList<>();

  private Browser(Process driver, String base, String session) {
    this.driver = driver;
    this.base = base;
    this.session = session;
  }

  /** Starts chromedriver on a free port and a fresh headless Chromium (this workplace's flags: no background net). */
  public static Browser start() throws Exception {
    int port = TestApp.freePort();
    Process driver = new ProcessBuilder("chromedriver", "--port=" + port).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String base = "http://127.0.0.1:" + port;
    TestInfra.waitUntil(Duration.ofSeconds(20), () -> TestInfra.portOpen(port), "chromedriver to listen");
    Path profile = Files.createTempDirectory("chromium-profile");
    JsonObject options = new JsonObject().put("binary", "/usr/bin/chromium").put("args", new JsonArray(List.of(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1280,1000")));
    JsonObject caps = new JsonObject().put("capabilities", new JsonObject().put("alwaysMatch", new JsonObject()
        .put("browserName", "chrome").put("goog:chromeOptions", options)
        .put("goog:loggingPrefs", new JsonObject().put("performance", "ALL"))));
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/session"))
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(caps.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonObject value = new JsonObject(r.body()).getJsonObject("value");
    if (r.statusCode() != 200 || value.getString("sessionId") == null) {
      driver.destroyForcibly();
      throw new IOException("chromedriver refused a session: " + r.body());
    }
    return new Browser(driver, base, value.getString("sessionId"));
  }

  public void open(String url) throws Exception {
    call("POST", "/url", new JsonObject().put("url", url));
  }

  public String currentUrl() throws Exception {
    return call("GET", "/url", null).getString("value");
  }

  /** Types into the element {@code css} selects. */
  public void type(String css, String text) throws Exception {
    call("POST", "/element/" + find(css) + "/value", new JsonObject().put("text", text));
  }

  public void click(String css) throws Exception {
    call("POST", "/element/" + find(css) + "/click", new JsonObject());
  }

  /** The element's rendered text, or {@code null} while no element matches. */
  public String text(String css) throws Exception {
    JsonObject found = send("POST", "/element", new JsonObject().put("using", "css selector").put("value", css));
    if (!(found.getValue("value") instanceof JsonObject el) || el.getString(ELEMENT) == null) {
      return null;
    }
    return call("GET", "/element/" + el.getString(ELEMENT) + "/text", null).getString("value");
  }

  /** The page's DOM as it is now (for a failure message). */
  public String source() throws Exception {
    return call("GET", "/source", null).getString("value");
  }

  public void screenshot(Path file) throws Exception {
    Files.write(file, Base64.getDecoder().decode(call("GET", "/screenshot", null).getString("value")));
  }

  /** Every URL the page asked for so far (navigations, scripts, fetches), from Chromium's network log. */
  public List<String> requestedUrls() throws Exception {
    JsonArray entries = call("POST", "/se/log", new JsonObject().put("type", "performance")).getJsonArray("value");
    for (int i = 0; i < entries.size(); i++) {
      JsonObject message = new JsonObject(entries.getJsonObject(i).getString("message")).getJsonObject("message");
      if ("Network.requestWillBeSent".equals(message.getString("method"))) {
        requested.add(message.getJsonObject("params").getJsonObject("request").getString("url"));
      }
    }
    return List.copyOf(requested);
  }

  private String find(String css) throws Exception {
    return call("POST", "/element", new JsonObject().put("using", "css selector").put("value", css))
        .getJsonObject("value").getString(ELEMENT);
  }

  private JsonObject call(String method, String path, JsonObject body) throws Exception {
    JsonObject out = send(method, path, body);
    if (out.getValue("value") instanceof JsonObject v && v.containsKey("error")) {
      throw new IOException(method + " " + path + ": " + v.getString("error") + ": " + v.getString("message"));
    }
    return out;
  }

  private JsonObject send(String method, String path, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/session/" + session + path))
        .timeout(Duration.ofSeconds(60));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
        : b.method(method, HttpRequest.BodyPublishers.ofString(body.encode())).header("content-type", "application/json");
    return new JsonObject(http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body());
  }

  @Override
  public void close() throws Exception {
    try {
      send("DELETE", "", null);
    } catch (Exception ignored) {
      // the browser is going away either way
    }
    driver.destroy();
    if (!driver.waitFor(10, TimeUnit.SECONDS)) {
      driver.destroyForcibly();
    }
  }
}
