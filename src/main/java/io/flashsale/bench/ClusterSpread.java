package io.flashsale.bench;

import io.flashsale.infra.AppConfig;
import io.flashsale.infra.RedisConfig;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * How a run's Redis work spread over a cluster's masters: each master's {@code total_commands_processed} (INFO stats)
 * before and after. On one server there is nothing to spread and the figures are empty.
 */
final class ClusterSpread {

  private ClusterSpread() {
  }

  /** Commands processed so far by each master (endpoint → count); empty when Redis is not a cluster. */
  static Map<String, Long> snapshot(Vertx vertx, AppConfig config) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    RedisConfig redis = RedisConfig.from(config);
    if (!redis.cluster()) {
      return out;
    }
    for (String url : redis.endpoints()) {
      Redis node = Redis.createClient(vertx, new RedisOptions().setConnectionString(url));
      try {
        String role = node.send(Request.cmd(Command.ROLE)).await(5, TimeUnit.SECONDS).get(0).toString();
        if (!"master".equals(role)) {
          continue;
        }
        String info = node.send(Request.cmd(Command.INFO).arg("stats")).await(5, TimeUnit.SECONDS).toString();
        for (String line : info.split("\r?\n")) {
          if (line.startsWith("total_commands_processed:")) {
            out.put(url, Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
          }
        }
      } finally {
        node.close();
      }
    }
    return out;
  }

  /** Report lines: each master's share of the commands between the two snapshots, and the largest share. */
  static List<String> table(String what, Map<String, Long> before, Map<String, Long> after) {
    List<String> lines = new ArrayList<>();
    if (after.isEmpty()) {
      return lines;
    }
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    double max = 0;
    lines.add("");
    lines.add("Redis Cluster spread of " + what + " (each master's `total_commands_processed`, INFO stats, before"
        + " and after; a script call counts once):");
    lines.add("");
    lines.add("| master | commands | share |");
    lines.add("|---|---|---|");
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      double share = total == 0 ? 0 : 100.0 * n / total;
      max = Math.max(max, share);
      lines.add(String.format("| %s | %,d | %.1f %% |", e.getKey(), n, share));
    }
    lines.add("");
    lines.add(String.format("Largest share: **%.1f %%** (%s the 50 %% bound).", max, max <= 50 ? "within" : "ABOVE"));
    return lines;
  }
}
