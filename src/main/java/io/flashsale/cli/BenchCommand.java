package io.flashsale.cli;

import io.flashsale.bench.CheckoutStorm;
import io.flashsale.http.Auth;
import io.flashsale.infra.AppConfig;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code bench}: load generators that run against a serving app (the bench/ harness builds on these). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Load generators against a running app.",
    subcommands = BenchCommand.Storm.class)
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
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
