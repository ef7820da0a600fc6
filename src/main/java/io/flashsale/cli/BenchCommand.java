package io.flashsale.cli;

import io.flashsale.bench.CheckoutStorm;
import io.flashsale.bench.CouponBench;
import io.flashsale.bench.DisplayBench;
import io.flashsale.bench.FreshnessBench;
import io.flashsale.bench.StampedeBench;
import io.flashsale.bench.StormBench;
import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code bench}: load generators that run against a serving app (the bench/ harness builds on these). */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks against a running app (start it with scripts/run); each writes bench/results/<date>-<name>.md.",
    subcommands = {BenchCommand.Display.class, BenchCommand.Stampede.class, BenchCommand.Freshness.class,
        BenchCommand.StormVsNaive.class, BenchCommand.Orders.class, BenchCommand.Coupons.class, BenchCommand.DrillsCommand.class,
        BenchCommand.Storm.class, BenchCommand.Queue.class})
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Options every report-writing scenario shares. */
  static class Common {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the app (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--out", defaultValue = "bench/results", description = "report folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--jar", defaultValue = "target/flashsale.jar", description = "the app jar, for extra instances")
    Path jar;
  }

  @Command(name = "display", mixinStandardHelpOptions = true,
      description = "wrk against the event page and a bare Vert.x server with the same bytes; near cache on and off.")
  static final class Display extends Common implements Callable<Integer> {
    @Option(names = "--event", defaultValue = "demo") String event;
    @Option(names = "--threads", defaultValue = "2") int threads;
    @Option(names = "--connections", defaultValue = "128") int connections;
    @Option(names = "--seconds", defaultValue = "10") int seconds;
    @Option(names = "--rounds", defaultValue = "2") int rounds;

    @Override
    public Integer call() throws Exception {
      DisplayBench.run(url, event, jar, threads, connections, seconds, rounds, out);
      return 0;
    }
  }

  @Command(name = "queue", mixinStandardHelpOptions = true,
      description = "The waiting room under a crowd: joins/s and join p99 (half before the opening, half after), the"
          + " pre-queue shuffle's chi-square p-value, the measured admission rate against the configured one, and"
          + " checkouts under maxActive. Ends with a RESULT line.")
  static final class Queue extends Common implements Callable<Integer> {
    @Option(names = "--joins", defaultValue = "100000", description = "shoppers who join (default ${DEFAULT-VALUE})")
    int joins;
    @Option(names = "--pow-bits", defaultValue = "4", description = "puzzle difficulty, pre-solved by the generator"
        + " (default ${DEFAULT-VALUE})")
    int powBits;
    @Option(names = "--rate", defaultValue = "30000", description = "admitPerMinute (default ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--admit-seconds", defaultValue = "20", description = "how long admission is watched (default"
        + " ${DEFAULT-VALUE})")
    int admitSeconds;
    @Option(names = "--concurrency", defaultValue = "64", description = "requests in flight (default ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--gate-shoppers", defaultValue = "2000", description = "shoppers of the capped event (default"
        + " ${DEFAULT-VALUE})")
    int gateShoppers;
    @Option(names = "--max-active", defaultValue = "300", description = "the capped event's maxActive (default"
        + " ${DEFAULT-VALUE})")
    int maxActive;
    @Option(names = "--gate-seconds", defaultValue = "15", description = "how long its shoppers poll (default"
        + " ${DEFAULT-VALUE})")
    int gateSeconds;

    @Override
    public Integer call() throws Exception {
      if (joins < 20 || powBits < 0 || powBits > 24 || rate < 60 || admitSeconds < 2 || concurrency < 1
          || gateShoppers < 1 || maxActive < 1 || gateSeconds < 1) {
        System.err.println("--joins >= 20, --pow-bits 0..24, --rate >= 60, --admit-seconds >= 2 and the rest >= 1");
        return 2;
      }
      io.flashsale.bench.QueueBench.run(url, new io.flashsale.bench.QueueBench.Options(joins, powBits, rate,
          admitSeconds, concurrency, gateShoppers, maxActive, gateSeconds), out);
      return 0;
    }
  }

  @Command(name = "stampede", mixinStandardHelpOptions = true,
      description = "1,000 concurrent requests for a view missing everywhere, over two fresh instances: count rebuilds.")
  static final class Stampede extends Common implements Callable<Integer> {
    @Option(names = "--requests", defaultValue = "1000") int requests;

    @Override
    public Integer call() throws Exception {
      StampedeBench.run(jar, requests, out);
      return 0;
    }
  }

  @Command(name = "freshness", mixinStandardHelpOptions = true,
      description = "Admin price changes while the event page is under load: p50/p99 of write-to-visible.")
  static final class Freshness extends Common implements Callable<Integer> {
    @Option(names = "--event", defaultValue = "demo") String event;
    @Option(names = "--writes", defaultValue = "50") int writes;
    @Option(names = "--connections", defaultValue = "64") int connections;

    @Override
    public Integer call() throws Exception {
      FreshnessBench.run(url, event, writes, connections, out);
      return 0;
    }
  }

  @Command(name = "storm", mixinStandardHelpOptions = true,
      description = "The checkout + order storm, and the naive single-row UPDATE beside it in the same run.")
  static final class StormVsNaive extends Common implements Callable<Integer> {
    @Option(names = "--buyers", defaultValue = "10000") int buyers;
    @Option(names = "--products", defaultValue = "10") int products;
    @Option(names = "--stock", defaultValue = "100") long stock;
    @Option(names = "--concurrency", defaultValue = "64") int concurrency;

    @Override
    public Integer call() throws Exception {
      StormBench.run(url, buyers, products, stock, concurrency, out);
      return 0;
    }
  }

  @Command(name = "orders", mixinStandardHelpOptions = true,
      description = "Confirmed orders per second, sustained (checkout + order, distinct buyers) on many products and on"
          + " one hot product, the naive one-transaction purchase beside it, and the CPU, PostgreSQL and Redis cost of"
          + " one order. Ends with a RESULT line.")
  static final class Orders extends Common implements Callable<Integer> {
    @Option(names = "--products", defaultValue = "100", description = "products of the spread run (default ${DEFAULT-VALUE})")
    int products;
    @Option(names = "--seconds", defaultValue = "60", description = "length of each measured run (default ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--warmup-seconds", defaultValue = "60",
        description = "unmeasured warm-up, half on each layout (default ${DEFAULT-VALUE})")
    int warmupSeconds;
    @Option(names = "--concurrency", defaultValue = "64", description = "buyers in flight (default ${DEFAULT-VALUE})")
    int concurrency;
    @Option(names = "--naive-port", defaultValue = "18186", description = "port of the naive server (default ${DEFAULT-VALUE})")
    int naivePort;

    @Override
    public Integer call() throws Exception {
      if (products < 1 || seconds < 1 || warmupSeconds < 0 || concurrency < 1) {
        System.err.println("--products, --seconds and --concurrency must be positive, --warmup-seconds not negative");
        return 2;
      }
      io.flashsale.bench.OrderBench.run(url, products, seconds, warmupSeconds, concurrency, naivePort, out);
      return 0;
    }
  }

  @Command(name = "coupons", mixinStandardHelpOptions = true,
      description = "Best-coupon lookup from the Redis sets against the equivalent SQL JOIN, same data, same run.")
  static final class Coupons extends Common implements Callable<Integer> {
    @Option(names = "--users", defaultValue = "100000") int users;
    @Option(names = "--products", defaultValue = "20000") int products;
    @Option(names = "--coupons", defaultValue = "1000") int coupons;
    @Option(names = "--grant-share", defaultValue = "0.02", description = "share of users granted each coupon") double share;
    @Option(names = "--concurrency", defaultValue = "32") int concurrency;
    @Option(names = "--seconds", defaultValue = "10") int seconds;

    @Override
    public Integer call() throws Exception {
      CouponBench.run(users, products, coupons, share, concurrency, seconds, out);
      return 0;
    }
  }

  @Command(name = "drills", mixinStandardHelpOptions = true,
      description = "Fault drills under load (Redis restarted empty, a Redlock node down, Kafka down 30 s, PostgreSQL"
          + " restarted, an app kill -9, payment failures), each followed by the invariant checker; then a fuzz pass.")
  static final class DrillsCommand extends Common implements Callable<Integer> {
    @Option(names = "--only", split = ",", description = "run only these drills (comma-separated names)")
    java.util.List<String> only = new java.util.ArrayList<>();
    @Option(names = "--seconds", defaultValue = "40", description = "load per drill (default ${DEFAULT-VALUE})") int seconds;
    @Option(names = "--redis-cluster", description = "the instances on scripts/infra's Redis Cluster (7001-7006); the"
        + " Redis drill kills a master") boolean cluster;
    @Option(names = "--balancer", description = "the shoppers' load through HAProxy (scripts/infra start balancer) in"
        + " front of both instances") boolean balancer;

    @Override
    public Integer call() throws Exception {
      Path file = new io.flashsale.bench.Drills(jar.toAbsolutePath(), Path.of("").toAbsolutePath(), out, seconds,
          cluster, balancer).runAll(only);
      return java.nio.file.Files.readString(file).contains("**FAIL**") ? 1 : 0;
    }
  }

  @Command(name = "checkout-storm", mixinStandardHelpOptions = true,
      description = "N buyers race for a few hot products (one checkout of one unit each); prints checkouts/s, "
          + "latency percentiles and every answer; fails if more or fewer units than the stock were held.")
  static final class Storm implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the app (default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--buyers", defaultValue = "10000", description = "buyers (default ${DEFAULT-VALUE})")
    int buyers;

    @Option(names = "--products", defaultValue = "10", description = "hot products (default ${DEFAULT-VALUE})")
    int products;

    @Option(names = "--stock", defaultValue = "100", description = "units per product (default ${DEFAULT-VALUE})")
    long stock;

    @Option(names = "--concurrency", defaultValue = "256", description = "requests in flight (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--orders", description = "every buyer who got a hold also places the order (tok_ok)")
    boolean orders;

    @Option(names = "--warmup", defaultValue = "0",
        description = "buyers of an unmeasured storm on other products first, to warm both JVMs (default ${DEFAULT-VALUE})")
    int warmup;

    @Override
    public Integer call() throws Exception {
      if (buyers < 1 || products < 1 || stock < 0 || concurrency < 1) {
        System.err.println("--buyers, --products and --concurrency must be positive, --stock not negative");
        return 2;
      }
      AppConfig config = AppConfig.load();
      Vertx vertx = Vertx.vertx();
      try {
        Auth auth = new Auth(vertx, config.string("auth.jwtSecret"));
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<String> tokens = new ArrayList<>(buyers);
        for (int i = 0; i < buyers; i++) {
          tokens.add(auth.issue("storm-" + runId + "-" + i, false, Duration.ofHours(1)));
        }
        CheckoutStorm storm = new CheckoutStorm(vertx, url, concurrency);
        String adminToken = auth.issue("bench-admin", true, Duration.ofHours(1));
        if (warmup > 0) {
          List<String> warmIds = storm.setUp(adminToken, runId + "w", products, stock).await(2, TimeUnit.MINUTES);
          List<String> warmTokens = new ArrayList<>(warmup);
          for (int i = 0; i < warmup; i++) {
            warmTokens.add(auth.issue("storm-" + runId + "-w" + i, false, Duration.ofHours(1)));
          }
          System.out.printf("warm-up: %s%n", storm.run(warmIds, stock, warmup, concurrency, warmTokens::get, orders)
              .await(30, TimeUnit.MINUTES).summary());
        }
        System.out.printf("setting up %d products x %d units in an open event...%n", products, stock);
        List<String> ids = storm.setUp(adminToken, runId, products, stock)
            .await(2, TimeUnit.MINUTES);
        System.out.printf("storm: %,d buyers, %d in flight...%n", buyers, concurrency);
        CheckoutStorm.Result result = storm.run(ids, stock, buyers, concurrency, tokens::get, orders)
            .await(30, TimeUnit.MINUTES);
        System.out.println(result.summary());
        storm.close();
        boolean exact = result.held() == Math.min((long) buyers, products * stock);
        boolean no5xx = result.codes().keySet().stream().noneMatch(c -> c.startsWith("5") || c.startsWith("IO"))
            && result.orderCodes().keySet().stream().noneMatch(c -> c.startsWith("5") || c.startsWith("IO"));
        System.out.println(exact && no5xx ? "OK: exactly the stock was held and no request failed"
            : "FAILED: held " + result.held() + " (expected " + Math.min((long) buyers, products * stock) + ")"
                + (no5xx ? "" : ", and some requests failed"));
        return exact && no5xx ? 0 : 1;
      } finally {
        Cli.closeQuietly(vertx);
      }
    }
  }
}
