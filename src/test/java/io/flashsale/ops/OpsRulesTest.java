package io.flashsale.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The operator's files under ops/")
class OpsRulesTest {

  /** The repository root: Maven runs tests there. */
  static final Path OPS = Path.of("ops");

  @Test
  @DisplayName("alerts.yml passes `promtool check rules`, its unit tests fire each alert on the series that should"
      + " fire it, and the scrape config passes `promtool check config`")
  void promtool() throws Exception {
    assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS");
    assertThat(promtool("test", "rules", "alerts_test.yml")).contains("SUCCESS");
    assertThat(promtool("check", "config", "prometheus.yml")).contains("SUCCESS");
  }

  @Test
  @DisplayName("the Grafana dashboard is JSON whose every panel queries Prometheus over flashsale's metrics")
  void grafana() throws Exception {
    JsonNode dash = new ObjectMapper().readTree(OPS.resolve("grafana/flashsale.json").toFile());
    assertThat(dash.path("uid").asText()).isEqualTo("flashsale");
    assertThat(dash.path("panels").size()).isGreaterThanOrEqualTo(10);
    List<String> ids = new ArrayList<>();
    for (JsonNode panel : dash.path("panels")) {
      ids.add(panel.path("id").asText());
      assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
      for (JsonNode t : panel.path("targets")) {
        assertThat(t.path("expr").asText()).as(panel.path("title").asText()).containsPattern("(flashsale|vertx)_");
      }
    }
    assertThat(ids).doesNotHaveDuplicates();
  }

  private static String promtool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("promtool"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(OPS.resolve("prometheus").toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("promtool is missing: scripts/test installs it (apt-get install prometheus)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
    return out;
  }

  /** Every metric name (flashsale_*, vertx_*) the alert rules and the dashboard query. */
  static List<String> queriedMetrics() throws IOException {
    String text = Files.readString(OPS.resolve("prometheus/alerts.yml")) + Files.readString(OPS.resolve("grafana/flashsale.json"));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:flashsale|vertx)_[a-z_]+)\\b").matcher(text);
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return new ArrayList<>(out);
  }
}
