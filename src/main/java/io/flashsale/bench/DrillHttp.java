package io.flashsale.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The drills' HTTP client: admin writes, reads, the payment simulator's fault switches, and the fuzz's raw sends. */
final class DrillHttp {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3)).build();

  /** Sets the payment simulator's fault switches. */
  void faults(JsonObject switches) throws Exception {
    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + DrillProcesses.PAYMENT + "/v1/faults"))
        .PUT(HttpRequest.BodyPublishers.ofString(switches.encode())).build(), HttpResponse.BodyHandlers.discarding());
  }

  /** An admin write that must succeed. */
  void admin(int port, String method, String path, String token, JsonObject body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).header("content-type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IOException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  /** Status and body of an authenticated GET (throws when the request fails). */
  HttpResponse<String> getWith(int port, String path, String token) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  String get(int port, String path) {
    return getAs(port, path, null);
  }

  /** The body, or "" when the request failed. */
  String getAs(int port, String path, String token) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return "";
    }
  }

  /** The fuzz's request: the status, with a refusal the client or server made before the app answered as 4xx. */
  int send(int port, String method, String path, String token, String body) {
    return send(port, method, path, token, body, true);
  }

  private int send(int port, String method, String path, String token, String body, boolean mayRetry) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
          .header("Idempotency-Key", "fuzz-key").method(method, body.isEmpty() && method.equals("GET")
              ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (token != null) {
        b.header("Authorization", token.startsWith("Bearer") ? token : "Bearer " + token);
      }
      return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IllegalArgumentException e) {
      return 400; // the client refused to send it (an invalid URI): nothing reached the server
    } catch (IOException e) {
      // The server may close the connection on a request it refuses before reading it all (a huge body or URI):
      // that is a refusal, not a server error.
      if (body.length() > 65_536 || path.length() > 4096) {
        return 413;
      }
      if (mayRetry && String.valueOf(e.getMessage()).contains("received no bytes")) {
        // A pooled connection the server had just closed (after refusing the previous, oversized request) was reused
        // before the client saw the close: nothing reached the app. Once more, as any HTTP client does.
        return send(port, method, path, token, body, false);
      }
      System.out.printf("  no answer to %s %s (%,d-byte body, %s): %s%n", method,
          path.length() > 80 ? path.substring(0, 80) + "..." : path, body.length(), token == null ? "no token" : "a token", e);
      return 599;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 599;
    }
  }
}
