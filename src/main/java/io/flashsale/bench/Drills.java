package io.flashsale.bench;

import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.flashsale.infra.PgConfig;
import io.flashsale.inventory.Inventory;
import io.flashsale.inventory.SoldOutBoard;
import io.flashsale.payment.PaymentSimulatorVerticle;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * {@code bench/run drills}: faults under load, then invariants. Two app instances (their own JVMs) share a drill
 * Redis, three Redlock nodes and the local PostgreSQL and Kafka; a flash-sale load runs over both while one fault is
 * injected per drill by stopping real processes; afterwards a checker reads PostgreSQL, Redis and the load's records
 * and asserts that nothing was oversold, lost, doubled or left unpaid.
 * The processes are {@link DrillProcesses}, the HTTP client {@link DrillHttp}, the invariants {@code DrillChecker};
 * what stays here is the drill list, the run and the faults that need more than one line.
 */
public final class Drills {

  private static final int APP_A = DrillProcesses.APP_A;
  private static final int APP_B = DrillProcesses.APP_B;
  private static final int REDIS = DrillProcesses.REDIS;
  private static final int[] LOCK_NODES = DrillProcesses.LOCK_NODES;
  private static final long STOCK = 300;

  private final Path out;
  private final int seconds;
  private final AppConfig base = AppConfig.load();
  private final String run = Long.toString(System.currentTimeMillis(), 36);
  private final DrillProcesses processes;
  private final DrillHttp http = new DrillHttp();
  private final Vertx vertx = Vertx.vertx();

  private final boolean balanced;

  /**
   * {@code cluster}: the instances on scripts/infra's Redis Cluster (the Redis drill kills a master instead of
   * restarting a server empty); {@code balanced}: the shoppers' load goes through HAProxy in front of both instances.
   */
  public Drills(Path jar, Path root, Path out, int seconds, boolean cluster, boolean balanced) throws IOException {
    this.out = out;
    this.seconds = seconds;
    this.balanced = balanced;
    this.processes = new DrillProcesses(jar, root, base, run, cluster);
  }

  /** One fault: what is done to the system while the load runs. */
  private interface Fault {
    void inject() throws Exception;
  }

  /** A drill: its fault, the sale it runs on (units per product, per-user limit) and how its shoppers behave. */
  private record Spec(Fault fault, long stock, int limitPerUser, DrillLoad.Mode mode, boolean coupon,
                      boolean backToBack) {
    Spec(Fault fault, long stock, int limitPerUser, DrillLoad.Mode mode, boolean coupon) {
      this(fault, stock, limitPerUser, mode, coupon, false);
    }

    static Spec of(Fault fault) {
      return new Spec(fault, STOCK, 1, DrillLoad.Mode.plain(), false);
    }
  }

  /** What a fault itself found wrong (a view that did not follow, a boundary missed), reported with the invariants. */
  private final List<String> faultFindings = java.util.Collections.synchronizedList(new ArrayList<>());

  public Path runAll(List<String> only) throws Exception {
    Map<String, Spec> drills = new LinkedHashMap<>();
    // Redis killed and restarted empty while shoppers check out with a coupon: inventory and coupon index both rebuild
    // themselves from PostgreSQL; a coupon lookup answers 503 meanwhile, never a wrong "no coupons".
    if (!processes.cluster()) {
      drills.put("redis-restart-empty", new Spec(() -> {
        processes.kill(processes.redis(REDIS));
        pause(3);
        processes.startRedis(REDIS);
        couponLookupsHeal();
      }, STOCK, 1, DrillLoad.Mode.plain(), true));
    } else {
      // A cluster master killed (kill -9) while shoppers check out with a coupon: its replica takes its slots over
      // (cluster-node-timeout 5 s) with whatever it had replicated; the killed node comes back as a replica. Writes
      // the master acknowledged and never passed on are lost: PostgreSQL's truth must still hold.
      drills.put("redis-master-kill", new Spec(() -> {
        processes.killClusterMaster(DrillProcesses.CLUSTER_MASTERS[0]);
        pause(10);
        processes.infra("start", "redis-cluster");
        couponLookupsHeal();
      }, STOCK, 1, DrillLoad.Mode.plain(), true));
    }
    drills.put("redlock-node-down", Spec.of(() -> processes.kill(processes.redis(LOCK_NODES[0]))));
    drills.put("kafka-down-30s", Spec.of(() -> {
      processes.infra("stop", "kafka");
      if (AppProcess.listening(9092)) {
        throw new IllegalStateException("the Kafka broker still answers: it was not started by this checkout's"
            + " scripts/infra, so the drill cannot stop it");
      }
      pause(30);
      processes.infra("start", "kafka");
    }));
    drills.put("postgres-restart", Spec.of(() -> {
      String version = new String(new ProcessBuilder("bash", "-c", "ls /etc/postgresql | sort -V | tail -1").start()
          .getInputStream().readAllBytes()).trim();
      processes.exec("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart");
    }));
    drills.put("app-kill-9", Spec.of(() -> {
      processes.app(APP_A).kill9();
      pause(5);
      processes.startApp(APP_A);
    }));
    drills.put("payment-50pct-then-slow", Spec.of(() -> {
      http.faults(new JsonObject().put("errorRate", 0.5));
      pause(10);
      http.faults(new JsonObject().put("latencyMillis", 3000));
      pause(10);
      http.faults(new JsonObject());
    }));
    // A second PostgreSQL session holds the hot products' stock row locks for 25 s while shoppers order: confirms
    // must not commit after their callers gave up, and no unit may leave stock without a live order.
    drills.put("pg-stall", Spec.of(() -> stallStockRows(currentProducts, Duration.ofSeconds(25))));
    // A fifth of captures land 3 s late (after the client's 2 s timeout) and every shopper cancels right after
    // ordering: no money may stay captured or authorised for a cancelled order.
    drills.put("late-capture-cancel", new Spec(() -> {
      http.faults(new JsonObject().put("captureLateRate", 0.2).put("captureLateMillis", 3000));
      pause(Math.max(5, seconds / 2));
      http.faults(new JsonObject());
    }, STOCK, 1, new DrillLoad.Mode(1, null, true, false), false));
    // Shoppers with a coupon DELETE their checkout (on the other instance) while its order runs: the coupon is
    // redeemed iff the order is live, and the units follow the winner.
    drills.put("release-vs-confirm", new Spec(() -> pause(1), STOCK, 1, new DrillLoad.Mode(1, null, false, true), true));
    // The last units of small stocks, buyers asking 1-5 each: a SOLD_OUT only when fewer units than asked were left.
    drills.put("quantity-mix", new Spec(() -> pause(1), 40, 5, new DrillLoad.Mode(5, null, false, false), false));
    // Back-to-back sales of the same products, the first ending while shoppers buy: page, price and limit must follow
    // the clock within a second, and no checkout may be priced at the list price or from the ended sale.
    drills.put("sale-boundary", new Spec(this::watchBoundary, 3_000, 1, DrillLoad.Mode.plain(), false, true));
    // An operator upserts an event of 10,000 products through the admin API while shoppers buy: every view follows,
    // nothing wedges.
    drills.put("big-event", Spec.of(this::bigEvent));
    // The points and notifications consumers cannot write for a minute (their tables refuse this drill's shoppers):
    // their records go to the dead-letter topics; the cause fixed, one consumer's letters are replayed, then the
    // other's — none is lost or applied twice.
    // (3,000 units a product: the drill's shoppers must still be ordering when the tables start refusing them — with
    // 300, a faster order path sold everything before the fault and no letter could come)
    drills.put("dlq-replay", new Spec(this::dlqReplay, 3_000, 1, DrillLoad.Mode.plain(), false));
    List<String> lines = new ArrayList<>();
    AppConfig config = processes.config();
    Pool pool = PgConfig.from(config).pool(vertx, "pg-drills", 4);
    try {
      vertx.deployVerticle(new PaymentSimulatorVerticle(config)).await(30, TimeUnit.SECONDS);
      if (!processes.cluster()) {
        processes.startRedis(REDIS);
      }
      for (int port : LOCK_NODES) {
        processes.startRedis(port);
      }
      processes.startApp(APP_A);
      processes.startApp(APP_B);
      if (balanced) {
        processes.startBalancer();
      }
      for (Map.Entry<String, Spec> drill : drills.entrySet()) {
        if (!only.isEmpty() && !only.contains(drill.getKey())) {
          continue;
        }
        for (int port : LOCK_NODES) {
          if (!processes.redis(port).isAlive()) {
            processes.startRedis(port);
          }
        }
        System.out.printf("%n=== drill %s ===%n", drill.getKey());
        DrillReport r = drill(drill.getKey(), drill.getValue(), pool, config);
        lines.add(String.format("| %s | %s | %,d | %s | %s | %s |", drill.getKey(), r.passed ? "PASS" : "**FAIL**",
            r.load.confirmedOrders.size(), r.load.orders, r.load.display,
            r.failures.isEmpty() ? "—" : String.join("; ", r.failures)));
      }
      lines.add("");
      lines.add(fuzz(pool));
    } finally {
      shutdown();
      pool.close();
    }
    Report report = new Report("drills", "Fault drills: faults under load, then invariants")
        .line(String.format("Two app instances (:%d, :%d, own JVMs) over %s, three Redlock nodes,"
            + " the local PostgreSQL and Kafka; the payment simulator in the drill's JVM. %d s of load per drill"
            + " (shoppers reading the page, checking out and ordering, %s), one fault each,"
            + " then the invariant checker.", APP_A, APP_B, processes.cluster()
                ? "scripts/infra's Redis Cluster (masters :7001-7003, a replica each on :7004-7006)"
                : "a drill Redis (:" + REDIS + ")", seconds, balanced
                ? "through HAProxy on :" + DrillProcesses.BALANCER + " in front of both instances"
                : "spread over both instances by the load generator"))
        .line("")
        .line("| drill | result | orders confirmed (201) | order answers | display answers | failed invariants |")
        .line("|---|---|---|---|---|---|");
    lines.forEach(report::line);
    report.line("")
        .line("Invariants checked after each drill, once every order, payment and outbox row has settled: "
            + DrillChecker.INVARIANTS)
        .line("")
        .line("Reproduce: `scripts/run` (servers, jar), then `bench/run drills [--only NAME]`.");
    Path file = report.write(out);
    System.out.println("report: " + file);
    return file;
  }

  private record DrillReport(boolean passed, DrillLoad load, List<String> failures) {
  }

  /** The products of the drill that runs now (the pg-stall fault locks their stock rows). */
  private volatile List<String> currentProducts = List.of();

  private DrillReport drill(String name, Spec spec, Pool pool, AppConfig config) throws Exception {
    Auth auth = new Auth(vertx, base.string("auth.jwtSecret"));
    String admin = auth.issue("drill-admin", true, Duration.ofHours(2));
    String eventId = "drill-" + run + "-" + name;
    List<String> products = new ArrayList<>();
    JsonArray items = new JsonArray();
    for (int i = 0; i < 4; i++) {
      String id = eventId + "-p" + i;
      products.add(id);
      http.admin(APP_B, "PUT", "/admin/products/" + id, admin, new JsonObject().put("name", "Drill Parka " + i)
          .put("brand", "Drill").put("category", "Outerwear").put("price", 100_000));
      http.admin(APP_B, "PUT", "/admin/products/" + id + "/stock", admin, new JsonObject().put("quantity", spec.stock()));
      items.add(new JsonObject().put("productId", id).put("salePrice", 70_000).put("limitPerUser", spec.limitPerUser()));
    }
    currentProducts = products;
    currentAdmin = admin;
    faultFindings.clear();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant endsAt = spec.backToBack() ? now.plusSeconds(Math.max(12, seconds / 2)) : now.plus(1, ChronoUnit.DAYS);
    http.admin(APP_B, "PUT", "/admin/events/" + eventId, admin, new JsonObject().put("title", "Drill " + name)
        .put("startsAt", now.minus(1, ChronoUnit.MINUTES).toString()).put("endsAt", endsAt.toString())
        .put("items", items));
    boundary = spec.backToBack() ? endsAt : null;
    if (spec.backToBack()) {
      JsonArray next = new JsonArray();
      products.forEach(p -> next.add(new JsonObject().put("productId", p).put("salePrice", NEXT_SALE_PRICE)
          .put("limitPerUser", spec.limitPerUser() + 1)));
      http.admin(APP_B, "PUT", "/admin/events/" + eventId + "-next", admin, new JsonObject().put("title", "Drill next")
          .put("startsAt", endsAt.toString()).put("endsAt", now.plus(1, ChronoUnit.DAYS).toString()).put("items", next));
    }
    waitFor(Duration.ofSeconds(30), () -> http.get(APP_B, "/api/products/" + products.get(0)).contains("limitPerUser"));
    IntFunction<String> shopper = i -> "drill-" + run + "-" + name + "-" + i;
    DrillLoad.Mode mode = spec.mode();
    if (spec.coupon()) {
      mode = new DrillLoad.Mode(mode.maxQuantity(), grantCoupon(eventId, admin, auth, shopper, products.get(0)),
          mode.cancelAfterOrder(), mode.releaseWhileOrdering());
    }

    DrillLoad load = new DrillLoad(vertx, balanced ? List.of(DrillProcesses.BALANCER) : List.of(APP_A, APP_B),
        eventId, products,
        i -> auth.issue(shopper.apply(i), false, Duration.ofHours(2)), mode);
    load.start(24);
    pause(Math.max(3, seconds / 4));
    System.out.println("  injecting the fault...");
    spec.fault().inject();
    long rest = seconds - Math.max(3, seconds / 4);
    pause(Math.max(5, rest));
    load.stop();
    pause(2);
    System.out.printf("  load: display %s, checkouts %s, orders %s, cancels %s, releases %s%n", load.display,
        load.checkouts, load.orders, load.cancels, load.releases);
    List<String> failures;
    Inventory inventory = Inventory.create(vertx, config, new SoldOutBoard(Clock.systemUTC(), 0), Clock.systemUTC());
    try {
      failures = new ArrayList<>(faultFindings);
      failures.addAll(new DrillChecker(pool, inventory, spec.stock(), spec.limitPerUser() + (spec.backToBack() ? 1 : 0))
          .check(products, load));
      if (spec.backToBack()) {
        failures.addAll(load.pricesAcross(boundary.toEpochMilli(), 70_000, NEXT_SALE_PRICE));
      }
    } finally {
      inventory.closeAsync().await(10, TimeUnit.SECONDS);
    }
    System.out.println(failures.isEmpty() ? "  PASS" : "  FAIL: " + failures);
    load.close();
    return new DrillReport(failures.isEmpty(), load, failures);
  }

  private static final long NEXT_SALE_PRICE = 60_000;
  private volatile String currentAdmin;
  private volatile String currentCoupon;
  private volatile String watcherToken;
  private volatile Instant boundary;

  /** sale-boundary: waits for the first sale's end, then measures how long each instance's product view takes to switch. */
  private void watchBoundary() throws Exception {
    Instant at = boundary;
    waitFor(Duration.ofMinutes(2), () -> !Instant.now().isBefore(at));
    for (int port : List.of(APP_A, APP_B)) {
      String nextSale = "drill-" + run + "-sale-boundary-next";
      long started = System.currentTimeMillis();
      boolean switched = waitFor(Duration.ofSeconds(10), () -> http.get(port, "/api/products/" + currentProducts.get(0))
          .contains(nextSale));
      long tookMs = System.currentTimeMillis() - at.toEpochMilli();
      System.out.printf("  :%d product view on the next sale %d ms after the boundary%n", port, tookMs);
      // 200 ms: the poll step of waitFor; polling may also start a little after the boundary.
      if (!switched || tookMs > 1_200 + Math.max(0, started - at.toEpochMilli())) {
        faultFindings.add(":" + port + " product view switched " + (switched ? tookMs + " ms" : "not within 10 s")
            + " after the boundary (goal ≤ 1 s)");
      }
    }
  }

  /** After a Redis loss: the watcher's coupon is offered again without an operator, and never wrongly missing. */
  private void couponLookupsHeal() throws Exception {
    String path = "/api/products/" + currentProducts.get(0) + "/coupons";
    long started = System.currentTimeMillis();
    int[] wrong = {0};
    boolean healed = waitFor(Duration.ofSeconds(60), () -> {
      HttpResponse<String> r = http.getWith(APP_A, path, watcherToken);
      if (r.statusCode() == 200 && !r.body().contains(currentCoupon)) {
        wrong[0]++;
      }
      return r.statusCode() == 200 && r.body().contains(currentCoupon);
    });
    System.out.printf("  coupon lookups right again %d ms after Redis came back (%d wrong answers meanwhile)%n",
        System.currentTimeMillis() - started, wrong[0]);
    if (!healed || wrong[0] > 0) {
      faultFindings.add("coupon lookups after the Redis loss: " + (healed ? "healed" : "not healed in 60 s") + ", "
          + wrong[0] + " answer(s) without the held coupon");
    }
  }

  /**
   * dlq-replay: both consumers' tables refuse the drill's shoppers until each has dead-lettered something; then the
   * cause is removed, {@code points}' letters are replayed (the notifications' must stay listed), then the rest.
   */
  private void dlqReplay() throws Exception {
    String fn = "drill_refuse_" + run.replaceAll("[^a-z0-9]", "");
    String shoppers = "drill-" + run + "-dlq-replay-%";
    Pool admin = PgConfig.from(base).pool(vertx, "pg-drill-dlq", 1);
    AppConfig config = processes.config();
    io.flashsale.fanout.DeadLetters letters = new io.flashsale.fanout.DeadLetters(vertx,
        io.flashsale.infra.KafkaConfig.from(config), io.flashsale.infra.Topics.from(config));
    String orders = io.flashsale.infra.Topics.from(config).orders();
    try {
      admin.query("create function " + fn + "() returns trigger language plpgsql as $f$ begin if new.user_id like '"
          + shoppers + "' then raise exception 'drill: this table refuses the drill''s shoppers'; end if; return new;"
          + " end $f$").execute().await(10, TimeUnit.SECONDS);
      for (String table : List.of("points_ledger", "notifications")) {
        admin.query("create trigger " + fn + " before insert on " + table + " for each row execute function " + fn
            + "()").execute().await(10, TimeUnit.SECONDS);
      }
      System.out.println("  points and notifications refuse the drill's shoppers; waiting for dead letters...");
      // A list the broker did not answer is "not yet", not a failed drill: the wait is bounded by its own 240 s.
      boolean both = waitFor(Duration.ofSeconds(240), () -> {
        try {
          return !letters.pending(orders, "points").await(60, TimeUnit.SECONDS).isEmpty()
              && !letters.pending(orders, "notifications").await(60, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
          System.out.println("  listing the dead letters failed (" + e.getMessage() + "); trying again");
          return false;
        }
      });
      for (String table : List.of("points_ledger", "notifications")) {
        admin.query("drop trigger if exists " + fn + " on " + table).execute().await(10, TimeUnit.SECONDS);
      }
      if (!both) {
        faultFindings.add("no dead letters for both consumers within 240 s");
        return;
      }
      int notificationsWaiting = letters.pending(orders, "notifications").await(60, TimeUnit.SECONDS).size();
      int replayed = letters.replay(orders, "points").await(5, TimeUnit.MINUTES);
      List<io.flashsale.fanout.DeadLetters.Letter> left = letters.pending(orders, null).await(60, TimeUnit.SECONDS);
      System.out.printf("  replayed %d points letter(s); %d notifications letter(s) still listed%n", replayed,
          left.size());
      if (left.isEmpty() || left.stream().anyMatch(l -> !"notifications".equals(l.consumer()))
          || left.size() < notificationsWaiting) {
        faultFindings.add("after replaying points only, the listed letters were " + left.size() + " (expected the "
            + notificationsWaiting + "+ notifications letters, and no points letter)");
      }
      int rest = letters.replay(orders, null).await(5, TimeUnit.MINUTES);
      System.out.printf("  replayed %d more letter(s) (every consumer)%n", rest);
      boolean notified = waitFor(Duration.ofSeconds(120), () -> scalar(admin, """
          select count(*) from orders o where o.status in ('CONFIRMED', 'CANCELLED') and o.user_id like $1
          and not exists (select 1 from notifications n where n.user_id = o.user_id)""", Tuple.of(shoppers)) == 0);
      if (!notified || !letters.pending(orders, null).await(60, TimeUnit.SECONDS).isEmpty()) {
        faultFindings.add("after both replays: " + (notified ? "" : "orders without their notification; ")
            + letters.pending(orders, null).await(60, TimeUnit.SECONDS).size() + " letter(s) still listed");
      }
    } finally {
      for (String table : List.of("points_ledger", "notifications")) {
        admin.query("drop trigger if exists " + fn + " on " + table).execute().await(10, TimeUnit.SECONDS);
      }
      admin.query("drop function if exists " + fn + "()").execute().await(10, TimeUnit.SECONDS);
      admin.close();
    }
  }

  /** big-event: 10,000 products in the catalog, then one admin upsert of a sale of all of them, while shoppers buy. */
  private void bigEvent() throws Exception {
    int n = 10_000;
    String prefix = "drill-" + run + "-big";
    Pool writer = PgConfig.from(base).pool(vertx, "pg-drill-big", 1);
    try {
      BigSale.insertProducts(writer, prefix, n).await(120, TimeUnit.SECONDS);
    } finally {
      writer.close();
    }
    long started = System.currentTimeMillis();
    http.admin(APP_B, "PUT", "/admin/events/" + prefix, currentAdmin, BigSale.event(prefix, n));
    boolean page = waitFor(Duration.ofSeconds(120), () -> {
      String body = http.get(APP_A, "/api/events/" + prefix);
      return body.startsWith("{") && new JsonObject(body).getJsonArray("products", new JsonArray()).size() == n;
    });
    boolean views = page && waitFor(Duration.ofSeconds(120), () -> {
      for (int i = 1; i <= n; i += 97) {
        if (!http.get(APP_A, "/api/products/" + prefix + "-" + i).contains(prefix)) {
          return false;
        }
      }
      return http.get(APP_B, "/api/products/" + prefix + "-" + n).contains(prefix);
    });
    System.out.printf("  big event: page %s, product views %s, %d ms after the upsert%n", page ? "complete" : "INCOMPLETE",
        views ? "follow" : "DO NOT FOLLOW", System.currentTimeMillis() - started);
    if (!page || !views) {
      faultFindings.add("the event of " + n + " products did not reach every view within 120 s each");
    }
    // Leave the bench database as it was (give or take the product rows): every later inventory rebuild reads the
    // stock rows, and ten thousand of them per run would add up.
    Pool cleaner = PgConfig.from(base).pool(vertx, "pg-drill-big-clean", 1);
    try {
      cleaner.withTransaction(tx -> tx.preparedQuery("delete from event_items where event_id = $1").execute(Tuple.of(prefix))
          .compose(x -> tx.preparedQuery("delete from events where event_id = $1").execute(Tuple.of(prefix)))
          .compose(x -> tx.preparedQuery("delete from stock where product_id like $1 and not exists (select 1 from"
              + " checkout_items i where i.product_id = stock.product_id)").execute(Tuple.of(prefix + "-%"))))
          .await(60, TimeUnit.SECONDS);
    } finally {
      cleaner.close();
    }
  }

  /** A FIXED coupon on the drill's brand, granted to the first 10,000 shoppers; answers its id once it is indexed. */
  private String grantCoupon(String eventId, String admin, Auth auth, IntFunction<String> shopper, String productId)
      throws Exception {
    String couponId = eventId + "-c";
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    http.admin(APP_B, "PUT", "/admin/coupons/" + couponId, admin, new JsonObject().put("name", "Drill 1,000 off")
        .put("type", "FIXED").put("value", 1_000).put("validFrom", now.minus(1, ChronoUnit.HOURS).toString())
        .put("validTo", now.plus(1, ChronoUnit.DAYS).toString())
        .put("target", new JsonObject().put("brands", new JsonArray().add("Drill"))));
    for (int batch = 0; batch < 10; batch++) {
      JsonArray users = new JsonArray();
      for (int i = batch * 1000; i < (batch + 1) * 1000; i++) {
        users.add(shopper.apply(i));
      }
      http.admin(APP_B, "POST", "/admin/coupons/" + couponId + "/grants", admin, new JsonObject().put("userIds", users));
    }
    // A watcher who holds the coupon and never uses it: its lookups tell whether the index is right.
    http.admin(APP_B, "POST", "/admin/coupons/" + couponId + "/grants", admin, new JsonObject().put("userIds",
        new JsonArray().add(eventId + "-watcher")));
    watcherToken = auth.issue(eventId + "-watcher", false, Duration.ofHours(2));
    currentCoupon = couponId;
    String last = auth.issue(shopper.apply(9_999), false, Duration.ofHours(1));
    // Bounded but patient: on a fresh Redis the instances first rebuild the whole coupon index from PostgreSQL, and a
    // database that also holds the coupons bench's 2M grants takes over a minute to index.
    if (!waitFor(Duration.ofSeconds(240), () -> http.getAs(APP_A, "/api/products/" + productId + "/coupons", last)
        .contains(couponId) && http.getAs(APP_A, "/api/products/" + productId + "/coupons", watcherToken).contains(couponId))) {
      throw new IllegalStateException("the coupon index did not pick up the drill's grants in 240 s");
    }
    return couponId;
  }

  /**
   * Holds the stock rows of {@code products} locked from a second PostgreSQL session for {@code howLong}, the way a
   * long admin transaction or a vacuum-blocked row would.
   */
  private void stallStockRows(List<String> products, Duration howLong) throws Exception {
    Pool staller = PgConfig.from(base).pool(vertx, "pg-drill-stall", 1);
    try {
      staller.withTransaction(tx -> tx.preparedQuery("select product_id from stock where product_id = any($1)"
              + " order by product_id for update").execute(Tuple.of((Object) products.toArray(String[]::new)))
          .compose(rows -> {
            System.out.printf("  holding %d stock row locks for %d s%n", rows.size(), howLong.toSeconds());
            Promise<Void> held = Promise.promise();
            vertx.setTimer(howLong.toMillis(), id -> held.complete());
            return held.future();
          })).await(howLong.toSeconds() + 30, TimeUnit.SECONDS);
    } finally {
      staller.close();
    }
  }

  /** Bad input against the public API: zero 5xx, and nothing changes. */
  private String fuzz(Pool pool) throws Exception {
    System.out.println("\n=== fuzz ===");
    Auth real = new Auth(vertx, base.string("auth.jwtSecret"));
    Auth forger = new Auth(vertx, "not-our-secret-but-long-enough-to-sign-hs256-tokens");
    String shopper = real.issue("fuzz-" + run, false, Duration.ofHours(1));
    String admin = real.issue("fuzz-admin-" + run, true, Duration.ofHours(1));
    String expired = real.issue("fuzz-" + run, true, Duration.ofSeconds(-120));
    String forged = forger.issue("fuzz-" + run, true, Duration.ofHours(1));
    List<String> bodies = List.of("", "{", "[]", "null", "\"x\"", "{\"items\":\"x\"}", "{\"items\":[{\"productId\":1}]}",
        "{\"items\":[{\"productId\":\"p\",\"quantity\":1e400}]}", "{\"items\":[{\"productId\":\"p\",\"quantity\":-1}]}",
        "{\"items\":[{\"productId\":\"\\u0000\\ud800\",\"quantity\":1}]}", "{\"name\":\"\\u202e\\u0000\",\"price\":1}",
        "{\"price\":99999999999999999999999999999}", "{\"checkoutId\":{\"$ne\":null}}", "x".repeat(70_000),
        "{\"quantity\":\"10\"}", "{\"grade\":\"💥\"}", "{\"userIds\":[" + "\"u\",".repeat(20_000) + "\"u\"]}");
    List<String[]> targets = List.of(new String[] {"POST", "/api/checkouts"}, new String[] {"POST", "/api/orders"},
        new String[] {"PUT", "/admin/products/fuzz-" + run}, new String[] {"PUT", "/admin/products/fuzz-" + run + "/stock"},
        new String[] {"PUT", "/admin/events/fuzz-" + run}, new String[] {"PUT", "/admin/users/fuzz-" + run},
        new String[] {"PUT", "/admin/coupons/fuzz-" + run}, new String[] {"POST", "/admin/coupons/fuzz-" + run + "/grants"},
        new String[] {"GET", "/api/events/%2e%2e%2f"}, new String[] {"GET", "/api/products/" + "x".repeat(5000)},
        new String[] {"DELETE", "/api/checkouts/../../admin"}, new String[] {"POST", "/api/orders/ord_x/cancel"});
    List<String> tokens = new ArrayList<>();
    tokens.add(null);
    tokens.add(shopper);
    tokens.add(admin);
    tokens.add(expired);
    tokens.add(forged);
    tokens.add("Bearer garbage");
    long before = rowsTouchedBy(pool);
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    int requests = 0;
    for (String[] t : targets) {
      for (String token : tokens) {
        for (String body : bodies) {
          int status = http.send(APP_B, t[0], t[1], token, body);
          statuses.merge(status, 1, Integer::sum);
          requests++;
        }
      }
    }
    long after = rowsTouchedBy(pool);
    long fivexx = statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
    String verdict = fivexx == 0 && after == before ? "PASS" : "**FAIL**";
    String line = String.format("Fuzz: %s — %,d requests (%d targets × %d tokens × %d bodies: malformed JSON, wrong"
            + " types, huge numbers, odd Unicode, a 70 KB body, forged and expired tokens) → statuses %s; rows touched"
            + " before/after: %d/%d.", verdict, requests, targets.size(), tokens.size(), bodies.size(), statuses,
        before, after);
    System.out.println("  " + line);
    return line;
  }

  private long rowsTouchedBy(Pool pool) throws Exception {
    return scalar(pool, """
        select (select count(*) from products where product_id like 'fuzz-%')
             + (select count(*) from events where event_id like 'fuzz-%')
             + (select count(*) from users where user_id like 'fuzz-%')
             + (select count(*) from coupons where coupon_id like 'fuzz-%')
             + (select count(*) from checkouts where user_id like 'fuzz-%')
             + (select count(*) from orders where user_id like 'fuzz-%')""", Tuple.tuple());
  }

  static long scalar(Pool pool, String sql, Tuple args) {
    try {
      Row r = pool.preparedQuery(sql).execute(args).await(30, TimeUnit.SECONDS).iterator().next();
      return r.getLong(0);
    } catch (Exception e) {
      return -1;
    }
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static boolean waitFor(Duration timeout, Condition c) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (c.holds()) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** The drill's own pacing: the load runs, the fault lasts — deliberate durations, not waits for a result. */
  private static void pause(long seconds) throws InterruptedException {
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
  }

  private void shutdown() {
    processes.close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting
    }
  }

}
