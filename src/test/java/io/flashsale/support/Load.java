package io.flashsale.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

/** Fires many HTTP requests at once (bounded in flight) and collects every response. */
public final class Load {

  private Load() {
  }

  public static List<HttpResponse<String>> fire(int count, int inFlight, IntFunction<HttpRequest> request) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .executor(Executors.newFixedThreadPool(8)).build();
    Semaphore permits = new Semaphore(inFlight);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      permits.acquireUninterruptibly();
      all.add(client.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> permits.release()));
    }
    return all.stream().map(CompletableFuture::join).toList();
  }

  public static HttpRequest.Builder post(int port, String path, String token, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }
}
