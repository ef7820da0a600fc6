package io.flashsale.bench;

import io.flashsale.admission.AdmissionGate;
import io.flashsale.admission.Puzzle;
import io.flashsale.admission.WaitingRoom;
import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.Concurrently;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * {@code bench/run queue}: the waiting room under a crowd, against the running app. (1) Many shoppers fetch a puzzle,
 * solve it (low bits: the generator's CPU is not the subject) and join an event's line — half before the event opens
 * (the pre-queue), half after — measuring joins/s and join latency; the pre-queue's order at the opening is tested
 * for uniformity (chi-square of arrival decile × place decile). (2) Admission is watched for a while and its rate
 * compared with the configured one, second by second. (3) A second event with a cap on live tokens: its shoppers wait,
 * poll and check out the moment they are admitted; the bench counts that checkouts never exceed {@code maxActive} and
 * that every checkout without a token is refused.
 */
public final class QueueBench {

  private final Vertx vertx;
  private final HttpClient http;
  private final Auth auth;
  private final String adminToken;
  private final String run = Long.toString(System.currentTimeMillis(), 36);

  private QueueBench(Vertx vertx, URI base, AppConfig config, int connections) {
    this.vertx = vertx;
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    this.auth = new Auth(vertx, config.string("auth.jwtSecret"));
    this.adminToken = auth.issue("bench-admin", true, Duration.ofHours(2));
  }

  /** What the command line sets. */
  public record Options(int joins, int powBits, int admitPerMinute, int admitSeconds, int concurrency,
                        int gateShoppers, int maxActive, int gateSeconds) {
  }

  private record Answer(int status, JsonObject body, Map<String, String> headers) {
  }

  public static Path run(URI url, Options o, Path out) throws Exception {
    AppConfig config = AppConfig.load();
    Vertx vertx = Vertx.vertx();
    Redis redis = Redis.createClient(vertx, RedisConfig.from(config).options());
    try {
      return new QueueBench(vertx, url, config, o.concurrency()).measure(o, redis, RedisKeys.from(config), out);
    } finally {
      redis.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private Path measure(Options o, Redis redis, RedisKeys keys, Path out) throws Exception {
    String productId = "queue-" + run;
    String eventId = "queue-" + run;
    Instant startsAt = Instant.now().plus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    JsonObject queue = new JsonObject().put("enabled", true).put("admitPerMinute", o.admitPerMinute())
        .put("maxActive", 0).put("prequeueMinutes", 15).put("admissionTtlSeconds", 600).put("powBits", o.powBits());
    product(productId, 1_000_000);
    event(eventId, productId, startsAt, queue);
    awaitRoom(eventId);
    System.out.printf("[queue] event %s: line open, opening at %s; %,d shoppers%n", eventId, startsAt, o.joins());

    List<String> tokens = IntStream.range(0, o.joins()).mapToObj(i -> auth.issue("qb-" + run + "-" + i, false,
        Duration.ofHours(2))).toList();
    String[] challenges = new String[o.joins()];
    long t0 = System.nanoTime();
    forEach(o.joins(), o.concurrency(), i -> call(HttpMethod.GET, "/api/events/" + eventId + "/queue/challenge",
        tokens.get(i), null, null).map(a -> challenges[i] = a.body().getString("challenge")));
    double challengeSeconds = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    String[] nonces = new String[o.joins()];
    for (int i = 0; i < o.joins(); i++) {
      nonces[i] = Puzzle.solve(challenges[i], o.powBits());
    }
    double solveSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("[queue] %,d puzzles fetched in %.1f s, solved at %d bits in %.1f s%n", o.joins(),
        challengeSeconds, o.powBits(), solveSeconds);

    int half = o.joins() / 2;
    Histogram joinLatency = new Histogram(60_000_000L, 3);
    Map<Integer, Integer> joinCodes = new TreeMap<>();
    AtomicInteger arrivals = new AtomicInteger();
    int[] arrivalOf = new int[o.joins()];
    long joinStart = System.nanoTime();
    joins(eventId, tokens, challenges, nonces, 0, half, o.concurrency(), joinLatency, joinCodes, arrivals, arrivalOf);
    double prequeueSeconds = (System.nanoTime() - joinStart) / 1e9;
    System.out.printf("[queue] pre-queue: %,d joins in %.1f s%n", half, prequeueSeconds);

    // The order the opening reveals: the line in Redis just before the start.
    Response line = redis.send(Request.cmd(Command.ZRANGE).arg(keys.queue(eventId, "waiting")).arg(0).arg(-1))
        .await(60, TimeUnit.SECONDS);
    Map<String, Integer> userIndex = new HashMap<>();
    for (int i = 0; i < o.joins(); i++) {
      userIndex.put("qb-" + run + "-" + i, i);
    }
    int buckets = 10;
    long[][] table = new long[buckets][buckets];
    int place = 0;
    for (Response member : line) {
      int user = userIndex.get(member.toString());
      table[arrivalOf[user] * buckets / half][place * buckets / line.size()]++;
      place++;
    }
    ChiSquare.Result shuffle = ChiSquare.uniformTable(table);
    System.out.printf("[queue] shuffle of %,d pre-queuers: chi2 %.1f, df %d, p %.3f%n", line.size(),
        shuffle.statistic(), shuffle.degreesOfFreedom(), shuffle.pValue());

    Instant opens = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    event(eventId, productId, opens, queue);
    String probe = tokens.get(0);
    await(poll(() -> call(HttpMethod.GET, "/api/events/" + eventId + "/queue/me", probe, null, null)
        .map(a -> !"PREQUEUE".equals(a.body().getString("state"))), 30_000));
    System.out.println("[queue] the event opened at " + opens + "; late joiners now");
    long lateStart = System.nanoTime();
    joins(eventId, tokens, challenges, nonces, half, o.joins(), o.concurrency(), joinLatency, joinCodes, arrivals,
        arrivalOf);
    double lateSeconds = (System.nanoTime() - lateStart) / 1e9;
    double joinSeconds = prequeueSeconds + lateSeconds;

    // Admission, second by second, from the operator's figures.
    List<Long> admittedAt = new ArrayList<>();
    List<Long> atNanos = new ArrayList<>();
    for (int s = 0; s <= o.admitSeconds(); s++) {
      JsonObject f = await(call(HttpMethod.GET, "/admin/events/" + eventId + "/queue", adminToken, null, null)).body();
      admittedAt.add(f.getLong("admitted"));
      atNanos.add(System.nanoTime());
      if (s < o.admitSeconds()) {
        Thread.sleep(1000);
      }
    }
    long admittedInWindow = admittedAt.get(admittedAt.size() - 1) - admittedAt.get(0);
    double windowSeconds = (atNanos.get(atNanos.size() - 1) - atNanos.get(0)) / 1e9;
    double measuredPerMinute = admittedInWindow / windowSeconds * 60;
    long maxSecond = 0;
    long minSecond = Long.MAX_VALUE;
    for (int s = 1; s < admittedAt.size(); s++) {
      long d = admittedAt.get(s) - admittedAt.get(s - 1);
      maxSecond = Math.max(maxSecond, d);
      minSecond = Math.min(minSecond, d);
    }
    System.out.printf("[queue] admission: %,.0f/min measured vs %,d/min configured; per second %d..%d%n",
        measuredPerMinute, o.admitPerMinute(), minSecond, maxSecond);

    GateResult gate = gate(o, keys);
    System.out.printf("[queue] maxActive %d: %,d checkouts with a token, max live tokens seen %d; without a token:"
        + " %s%n", o.maxActive(), gate.checkouts, gate.maxActiveSeen, gate.noTokenCodes);

    // Puzzle cost at the production default, for the report.
    SecureRandom random = new SecureRandom();
    int samples = 40;
    long solveStart = System.nanoTime();
    for (int i = 0; i < samples; i++) {
      Puzzle.solve("cost-" + random.nextLong(), 16);
    }
    double ms16 = (System.nanoTime() - solveStart) / 1e6 / samples;

    event(eventId, productId, opens.minusSeconds(1), queue, Instant.now().plusSeconds(2));
    WaitingRoom rooms = new WaitingRoom(redis::send, keys, random, true);
    rooms.clear(eventId).await(30, TimeUnit.SECONDS);
    rooms.clear(gate.eventId).await(30, TimeUnit.SECONDS);

    double joinsPerSecond = o.joins() / joinSeconds;
    double p50 = joinLatency.getValueAtPercentile(50) / 1000.0;
    double p99 = joinLatency.getValueAtPercentile(99) / 1000.0;
    boolean capHeld = gate.checkouts <= o.maxActive() && gate.maxActiveSeen <= o.maxActive();
    boolean allRefused = gate.noTokenCodes.size() == 1 && gate.noTokenCodes.containsKey(403);
    Report report = new Report("queue", "Queue bench: a waiting room under " + String.format("%,d", o.joins())
        + " joins, its admission pace, its shuffle and its cap")
        .line(String.format("Against the app at its URL (everything on this machine, load generator included: one JVM,"
            + " %d connections). Event `%s`: admitPerMinute %,d, powBits %d, pre-queue 15 min.", o.concurrency(),
            eventId, o.admitPerMinute(), o.powBits()))
        .line("")
        .line("| what | figure |")
        .line("|---|---|")
        .line(String.format("| puzzles fetched (GET .../queue/challenge) | %,d in %.1f s = %,.0f/s |", o.joins(),
            challengeSeconds, o.joins() / challengeSeconds))
        .line(String.format("| joins (POST .../queue), %,d before the opening + %,d after | %,d in %.1f s = **%,.0f"
            + " joins/s**; answers %s |", half, o.joins() - half, o.joins(), joinSeconds, joinsPerSecond, joinCodes))
        .line(String.format("| join latency | p50 %.1f ms, **p99 %.1f ms**, max %.1f ms |", p50, p99,
            joinLatency.getMaxValue() / 1000.0))
        .line(String.format("| pre-queue shuffle at the opening, %,d shoppers: arrival decile × place decile |"
            + " chi² %.1f, df %d, **p = %.3f** (uniform unless p < 0.001) |", line.size(), shuffle.statistic(),
            shuffle.degreesOfFreedom(), shuffle.pValue()))
        .line(String.format("| admission over %.0f s (line never empty) | **%,.0f/min measured vs %,d/min"
            + " configured** (ratio %.3f); per second %d..%d (one second's quota: %d) |", windowSeconds,
            measuredPerMinute, o.admitPerMinute(), measuredPerMinute / o.admitPerMinute(), minSecond, maxSecond,
            o.admitPerMinute() / 60))
        .line(String.format("| maxActive %d, %,d shoppers polling and checking out on admission for %d s |"
            + " %,d checkouts with a token, max live tokens seen %d: **%s** |", o.maxActive(), o.gateShoppers(),
            o.gateSeconds(), gate.checkouts, gate.maxActiveSeen, capHeld ? "never above maxActive" : "CAP BROKEN"))
        .line(String.format("| checkout without a token, each of those shoppers | %s: **%s** |", gate.noTokenCodes,
            allRefused ? "all refused (403 ADMISSION_REQUIRED)" : "SOME LET IN"))
        .line(String.format("| the puzzle at the production default (16 bits), this machine, one core | %.1f ms per"
            + " solve (×100,000 bot accounts = %.0f CPU-seconds) |", ms16, ms16 * 100));
    report.bar("admitted/s measured", measuredPerMinute / 60, "per second")
        .bar("admitted/s configured", o.admitPerMinute() / 60.0, "per second");
    report.line("")
        .line("How the pace is kept: each instance's admission verticle calls one Lua script every 100 ms; the script"
            + " derives the credit from time since the last call (capped at one second's quota), so any number of"
            + " instances admit one pace between them. The pre-queue's order is a random place drawn at join time,"
            + " revealed at the opening; late joiners stand behind, in arrival order.")
        .line("")
        .line("Reproduce: `scripts/run`, then `bench/run queue` (options: `bench/run queue --help`).");
    Path file = report.write(out);
    System.out.printf("RESULT joins_per_s=%.0f join_p99_ms=%.1f admit_per_min=%.0f configured_per_min=%d"
            + " shuffle_p=%.3f max_active_ok=%s%n", joinsPerSecond, p99, measuredPerMinute, o.admitPerMinute(),
        shuffle.pValue(), capHeld && allRefused);
    System.out.println("report: " + file);
    return file;
  }

  private record GateResult(String eventId, int checkouts, long maxActiveSeen, Map<Integer, Integer> noTokenCodes) {
  }

  /** The cap: shoppers of an open, capped event wait, poll and check out on admission; a watcher samples `active`. */
  private GateResult gate(Options o, RedisKeys keys) throws Exception {
    String productId = "queue-gate-" + run;
    String eventId = "queue-gate-" + run;
    product(productId, 1_000_000);
    event(eventId, productId, Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS),
        new JsonObject().put("enabled", true).put("admitPerMinute", 6000).put("maxActive", o.maxActive())
            .put("prequeueMinutes", 15).put("admissionTtlSeconds", 600).put("powBits", o.powBits()));
    awaitRoom(eventId);
    List<String> tokens = IntStream.range(0, o.gateShoppers()).mapToObj(i -> auth.issue("qg-" + run + "-" + i, false,
        Duration.ofHours(2))).toList();
    Map<Integer, Integer> noToken = new ConcurrentHashMap<>();
    AtomicInteger checkouts = new AtomicInteger();
    AtomicLong maxActive = new AtomicLong();
    long deadline = System.nanoTime() + o.gateSeconds() * 1_000_000_000L;
    long watcher = vertx.setPeriodic(250, id -> call(HttpMethod.GET, "/admin/events/" + eventId + "/queue", adminToken,
        null, null).onSuccess(a -> maxActive.accumulateAndGet(a.body().getLong("active", 0L), Math::max)));
    String body = checkoutBody(productId).replace("}]}", "}],\"eventId\":\"" + eventId + "\"}");
    forEach(o.gateShoppers(), o.concurrency(), i -> call(HttpMethod.POST, "/api/checkouts", tokens.get(i), body, null)
        .compose(refused -> {
          noToken.merge(refused.status(), 1, Integer::sum);
          return call(HttpMethod.GET, "/api/events/" + eventId + "/queue/challenge", tokens.get(i), null, null);
        })
        .compose(c -> call(HttpMethod.POST, "/api/events/" + eventId + "/queue", tokens.get(i), new JsonObject()
            .put("challenge", c.body().getString("challenge"))
            .put("nonce", Puzzle.solve(c.body().getString("challenge"), o.powBits())).encode(), null)));
    // Every shopper polls (as told by pollAfterSeconds, between 0.25 and 2 s) and checks out once admitted.
    List<Future<?>> shoppers = new ArrayList<>();
    for (int i = 0; i < o.gateShoppers(); i++) {
      String token = tokens.get(i);
      shoppers.add(untilAdmitted(eventId, token, deadline).compose(admission -> admission == null
          ? Future.succeededFuture()
          : call(HttpMethod.POST, "/api/checkouts", token, body, admission).onSuccess(a -> {
            if (a.status() == 201) {
              checkouts.incrementAndGet();
            }
          })));
    }
    Future.join(shoppers).await(o.gateSeconds() + 60, TimeUnit.SECONDS);
    vertx.cancelTimer(watcher);
    long active = await(call(HttpMethod.GET, "/admin/events/" + eventId + "/queue", adminToken, null, null))
        .body().getLong("active");
    event(eventId, productId, Instant.now().minus(2, ChronoUnit.MINUTES), new JsonObject().put("enabled", true)
        .put("maxActive", o.maxActive()).put("powBits", o.powBits()), Instant.now().plusSeconds(2));
    return new GateResult(eventId, checkouts.get(), Math.max(active, maxActive.get()), new TreeMap<>(noToken));
  }

  /** The shopper's admission token once admitted, or null when the deadline passes first. */
  private Future<String> untilAdmitted(String eventId, String token, long deadline) {
    return call(HttpMethod.GET, "/api/events/" + eventId + "/queue/me", token, null, null).transform(ar -> {
      if (ar.succeeded() && "ADMITTED".equals(ar.result().body().getString("state"))) {
        return Future.succeededFuture(ar.result().body().getString("admissionToken"));
      }
      if (System.nanoTime() > deadline) {
        return Future.succeededFuture(null);
      }
      long after = ar.succeeded() && ar.result().body().getLong("pollAfterSeconds") != null
          ? ar.result().body().getLong("pollAfterSeconds") * 1000 : 500;
      Promise<String> later = Promise.promise();
      vertx.setTimer(Math.max(250, Math.min(2_000, after)), id -> untilAdmitted(eventId, token, deadline)
          .onComplete(later));
      return later.future();
    });
  }

  private void joins(String eventId, List<String> tokens, String[] challenges, String[] nonces, int from, int to,
                     int concurrency, Histogram latency, Map<Integer, Integer> codes, AtomicInteger arrivals,
                     int[] arrivalOf) throws Exception {
    forEach(to - from, concurrency, k -> {
      int i = from + k;
      long start = System.nanoTime();
      return call(HttpMethod.POST, "/api/events/" + eventId + "/queue", tokens.get(i), new JsonObject()
          .put("challenge", challenges[i]).put("nonce", nonces[i]).encode(), null).onComplete(ar -> {
            synchronized (latency) {
              latency.recordValue(Math.min(60_000_000L, (System.nanoTime() - start) / 1000));
              codes.merge(ar.succeeded() ? ar.result().status() : -1, 1, Integer::sum);
            }
            arrivalOf[i] = arrivals.getAndIncrement();
          });
    });
  }

  private void forEach(int count, int concurrency, java.util.function.IntFunction<Future<?>> task) throws Exception {
    List<Integer> items = IntStream.range(0, count).boxed().toList();
    Concurrently.forEach(items, concurrency, i -> task.apply(i).otherwiseEmpty()).await(30, TimeUnit.MINUTES);
  }

  private Future<Answer> call(HttpMethod method, String path, String token, String body, String admission) {
    RequestOptions options = new RequestOptions().setMethod(method).setURI(path)
        .putHeader("Authorization", "Bearer " + token);
    if (body != null) {
      options.putHeader("content-type", "application/json");
    }
    if (admission != null) {
      options.putHeader(AdmissionGate.HEADER, admission);
    }
    return http.request(options).compose(req -> (body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(res -> res.body().map(b -> {
          Map<String, String> headers = new HashMap<>();
          res.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
          JsonObject json = b.length() > 0 && b.getByte(0) == '{' ? new JsonObject(b) : new JsonObject();
          return new Answer(res.statusCode(), json, headers);
        })));
  }

  private void product(String productId, long stock) throws Exception {
    expect(call(HttpMethod.PUT, "/admin/products/" + productId, adminToken, new JsonObject().put("name", "Queue Parka")
        .put("brand", "Bench").put("category", "Outerwear").put("price", 100_000).encode(), null), 200);
    expect(call(HttpMethod.PUT, "/admin/products/" + productId + "/stock", adminToken,
        new JsonObject().put("quantity", stock).encode(), null), 200);
  }

  private void event(String eventId, String productId, Instant startsAt, JsonObject queue) throws Exception {
    event(eventId, productId, startsAt, queue, startsAt.plus(1, ChronoUnit.HOURS));
  }

  private void event(String eventId, String productId, Instant startsAt, JsonObject queue, Instant endsAt)
      throws Exception {
    expect(call(HttpMethod.PUT, "/admin/events/" + eventId, adminToken, new JsonObject().put("title", "Queue " + run)
        .put("startsAt", startsAt.toString()).put("endsAt", endsAt.toString())
        .put("items", new JsonArray().add(new JsonObject().put("productId", productId).put("salePrice", 70_000)
            .put("limitPerUser", 1)))
        .put("queue", queue).encode(), null), 200);
  }

  /** The room is known to the app (its registry refreshes each second) once its puzzle is served. */
  private void awaitRoom(String eventId) throws Exception {
    String probe = auth.issue("qb-probe-" + run, false, Duration.ofMinutes(5));
    await(poll(() -> call(HttpMethod.GET, "/api/events/" + eventId + "/queue/challenge", probe, null, null)
        .map(a -> a.status() == 200), 30_000));
  }

  private Future<Void> poll(java.util.function.Supplier<Future<Boolean>> check, long millisLeft) {
    return check.get().otherwise(false).compose(ok -> {
      if (ok) {
        return Future.succeededFuture();
      }
      if (millisLeft <= 0) {
        return Future.failedFuture("gave up waiting");
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(100, id -> poll(check, millisLeft - 100).onComplete(later));
      return later.future();
    });
  }

  private static String checkoutBody(String productId) {
    return new JsonObject().put("items", new JsonArray().add(new JsonObject().put("productId", productId)
        .put("quantity", 1))).encode();
  }

  private static void expect(Future<Answer> f, int status) throws Exception {
    Answer a = await(f);
    if (a.status() != status) {
      throw new IllegalStateException("expected " + status + ", got " + a.status() + ": " + a.body());
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(2, TimeUnit.MINUTES);
  }
}
