package io.flashsale.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/run display}: wrk against the app's event page and, in the same run, against a bare Vert.x server that
 * serves the same bytes from memory (the ceiling); then against a second app instance with the near cache off (the
 * Redis-per-request path). Rounds alternate bare and app so drift of a noisy machine hits both.
 */
public final class DisplayBench {

  private DisplayBench() {
  }

  public static Path run(URI app, String eventId, Path jar, int threads, int connections, int seconds, int rounds,
                         Path out) throws Exception {
    HttpResponse<byte[]> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(app.resolve("/api/events/"
        + eventId)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (page.statusCode() != 200) {
      throw new IllegalStateException("GET /api/events/" + eventId + " answered " + page.statusCode()
          + " — run scripts/run first (it seeds and warms the demo event)");
    }
    String etag = page.headers().firstValue("etag").orElse("\"0\"");
    int barePort = 18181;
    int noCachePort = 18182;
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    List<Wrk.Run> bare = new ArrayList<>();
    List<Wrk.Run> cached = new ArrayList<>();
    Wrk.Run redisPath;
    try {
      BareServer.deploy(vertx, Buffer.buffer(page.body()), etag, barePort,
          Runtime.getRuntime().availableProcessors()).await(30, TimeUnit.SECONDS);
      String bareUrl = "http://127.0.0.1:" + barePort + "/api/events/" + eventId;
      String appUrl = app.resolve("/api/events/" + eventId).toString();
      System.out.println("warm-up (not measured)...");
      Wrk.run("warm-up", bareUrl, threads, connections, 3);
      Wrk.run("warm-up", appUrl, threads, connections, 3);
      for (int r = 1; r <= rounds; r++) {
        bare.add(report(Wrk.run("bare Vert.x, same bytes from memory", bareUrl, threads, connections, seconds)));
        cached.add(report(Wrk.run("flashsale, near cache", appUrl, threads, connections, seconds)));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    try (AppProcess noCache = AppProcess.start(jar, noCachePort, Map.of("FLASHSALE_DISPLAY_NEAR_CACHE", "false"),
        Path.of(System.getProperty("java.io.tmpdir"), "flashsale-bench-nocache.log"))) {
      String url = "http://127.0.0.1:" + noCachePort + "/api/events/" + eventId;
      Wrk.run("warm-up", url, threads, connections, 3);
      redisPath = report(Wrk.run("flashsale, near cache off (Redis per request)", url, threads, connections, seconds));
    }
    double bareRps = bare.stream().mapToDouble(Wrk.Run::requestsPerSecond).average().orElse(0);
    double appRps = cached.stream().mapToDouble(Wrk.Run::requestsPerSecond).average().orElse(0);
    double ratio = appRps / bareRps;
    Report report = new Report("display", "Display bench: the event page against a bare Vert.x server")
        .line(String.format("Settings: `wrk -t%d -c%d -d%ds --latency`, %d alternating rounds (bare, app), after a 3 s"
            + " warm-up of each; page `/api/events/%s`, %,d bytes; load generator on the same machine.", threads,
            connections, seconds, rounds, eventId, page.body().length))
        .line("")
        .line("| target | round | req/s | p50 | p99 | non-2xx |")
        .line("|---|---|---|---|---|---|");
    for (int r = 0; r < rounds; r++) {
      row(report, bare.get(r), r + 1);
      row(report, cached.get(r), r + 1);
    }
    row(report, redisPath, 1);
    report.line("")
        .line(String.format("**App / bare = %.1f %%** (mean of the rounds: %,.0f vs %,.0f req/s; goal ≥ 85 %%). "
            + "Near cache off (Redis GET + LZ4 decode per request): %,.0f req/s = %.1f %% of bare.", ratio * 100,
            appRps, bareRps, redisPath.requestsPerSecond(), redisPath.requestsPerSecond() / bareRps * 100))
        .line("")
        .line("Reproduce: `scripts/run` in one terminal, then `bench/run display`.")
        .bar("bare Vert.x (mean)", bareRps, "requests/s")
        .bar("flashsale, near cache (mean)", appRps, "requests/s")
        .bar("flashsale, Redis per request", redisPath.requestsPerSecond(), "requests/s");
    Path file = report.write(out);
    System.out.printf("app/bare = %.1f %%; report: %s%n", ratio * 100, file);
    return file;
  }

  private static Wrk.Run report(Wrk.Run run) {
    System.out.printf("%-48s %,10.0f req/s  p50 %6.2f ms  p99 %6.2f ms%n", run.label(), run.requestsPerSecond(),
        run.p50Ms(), run.p99Ms());
    return run;
  }

  private static void row(Report report, Wrk.Run run, int round) {
    report.line(String.format("| %s | %d | %,.0f | %.2f ms | %.2f ms | %d |", run.label(), round,
        run.requestsPerSecond(), run.p50Ms(), run.p99Ms(), run.non2xx()));
  }
}
