package io.flashsale.bench;

import io.flashsale.infra.AppConfig;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes a drill run owns: two app instances, their own Redis and three Redlock nodes (each a redis-server
 * that can be killed), and the shared servers reached through {@code scripts/infra} or {@code pg_ctlcluster}.
 */
final class DrillProcesses implements AutoCloseable {

  static final int APP_A = 18201;
  static final int APP_B = 18202;
  /** HAProxy in front of both instances, when the drills run behind a balancer. */
  static final int BALANCER = 18200;
  /** The masters of scripts/infra's Redis Cluster, when the drills run on it. */
  static final int[] CLUSTER_MASTERS = {7001, 7002, 7003};
  static final int PAYMENT = 18290;
  static final int REDIS = 16379;
  static final int[] LOCK_NODES = {16391, 16392, 16393};

  private final Path jar;
  private final Path root;
  private final AppConfig base;
  private final String run;
  private final Path work;
  private final Map<Integer, Process> redisServers = new HashMap<>();
  private final Map<Integer, AppProcess> apps = new HashMap<>();

  private final boolean cluster;
  private boolean balancer;

  DrillProcesses(Path jar, Path root, AppConfig base, String run, boolean cluster) throws IOException {
    this.jar = jar;
    this.root = root;
    this.base = base;
    this.run = run;
    this.cluster = cluster;
    this.work = Files.createTempDirectory("flashsale-drills");
  }

  boolean cluster() {
    return cluster;
  }

  /** HAProxy on {@link #BALANCER} in front of both instances (scripts/infra start balancer). */
  void startBalancer() throws Exception {
    execWith(Map.of("FLASHSALE_BALANCER_PORT", String.valueOf(BALANCER), "FLASHSALE_BALANCER_BACKENDS",
        APP_A + "," + APP_B), root.resolve("scripts/infra").toString(), "start", "balancer");
    balancer = true;
  }

  /** Kills one master of the Redis Cluster (kill -9: no shutdown, no last write) and answers its port. */
  int killClusterMaster(int port) throws Exception {
    String pid = Files.readString(root.resolve(".run/redis-cluster/" + port + "/redis.pid")).trim();
    exec("kill", "-9", pid);
    return port;
  }

  AppProcess app(int port) {
    return apps.get(port);
  }

  Process redis(int port) {
    return redisServers.get(port);
  }

  /** The drill apps' config: their own Redis, lock nodes, key and topic prefixes, payment simulator and recovery pace. */
  AppConfig config() {
    JsonObject o = new JsonObject().put("redis.url", cluster ? clusterUrls() : "redis://127.0.0.1:" + REDIS + "/0")
        .put("redis.mode", cluster ? "cluster" : "standalone")
        .put("redis.prefix", "drill-" + run + ":").put("kafka.topicPrefix", "drill-" + run + ".")
        .put("inventory.redlockNodes", lockNodes()).put("payment.url", "http://127.0.0.1:" + PAYMENT)
        .put("payment.simulator.port", PAYMENT).put("payment.simulator.enabled", false)
        .put("orders.recoveryAfterMillis", 3000).put("orders.recoverySweepMillis", 1000)
        // The simulator is local: a payment it has no record of 20 s after the order is not coming.
        .put("orders.paymentHorizonMillis", 20000);
    return base.with(o);
  }

  private static String clusterUrls() {
    List<String> urls = new ArrayList<>();
    for (int p : CLUSTER_MASTERS) {
      urls.add("redis://127.0.0.1:" + p);
    }
    return String.join(",", urls);
  }

  String lockNodes() {
    List<String> urls = new ArrayList<>();
    for (int p : LOCK_NODES) {
      urls.add("redis://127.0.0.1:" + p + "/0");
    }
    return String.join(",", urls);
  }

  /** Starts an app instance on {@code port} (kept, and killed at close). */
  AppProcess startApp(int port) throws Exception {
    Map<String, String> env = new HashMap<>();
    JsonObject c = config().asJson();
    for (String key : List.of("redis.url", "redis.mode", "redis.prefix", "kafka.topicPrefix", "inventory.redlockNodes", "payment.url",
        "payment.simulator.enabled", "orders.recoveryAfterMillis", "orders.recoverySweepMillis",
        "orders.paymentHorizonMillis")) {
      env.put(AppConfig.envName(key), String.valueOf(c.getValue(key)));
    }
    env.put("FLASHSALE_HTTP_INSTANCES", "1");
    env.put("FLASHSALE_INVENTORY_INSTANCES", "1");
    AppProcess app = AppProcess.start(jar, port, env, work.resolve("app-" + port + ".log"));
    apps.put(port, app);
    return app;
  }

  void startRedis(int port) throws Exception {
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", work.toString()).redirectErrorStream(true)
        .redirectOutput(work.resolve("redis-" + port + ".log").toFile()).start();
    redisServers.put(port, p);
    Drills.waitFor(Duration.ofSeconds(10), () -> AppProcess.listening(port));
  }

  void kill(Process p) throws Exception {
    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** {@code scripts/infra} with these arguments (the drill stops and starts Kafka this way). */
  void infra(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(root.resolve("scripts/infra").toString());
    cmd.addAll(List.of(args));
    exec(cmd.toArray(String[]::new));
  }

  void exec(String... cmd) throws Exception {
    execWith(Map.of(), cmd);
  }

  private void execWith(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
    b.environment().putAll(env);
    Process p = b.start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + output);
    }
  }

  @Override
  public void close() {
    for (AppProcess a : apps.values()) {
      try {
        a.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    redisServers.values().forEach(Process::destroyForcibly);
    if (balancer) {
      try {
        execWith(Map.of("FLASHSALE_BALANCER_PORT", String.valueOf(BALANCER)), root.resolve("scripts/infra").toString(),
            "stop", "balancer");
      } catch (Exception ignored) {
        // best effort
      }
    }
  }
}
