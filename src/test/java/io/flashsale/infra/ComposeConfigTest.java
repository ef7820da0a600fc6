package io.flashsale.infra;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("compose.yaml and the Dockerfile, read against the configuration")
class ComposeConfigTest {

  private static final Pattern VARIABLE = Pattern.compile("(FLASHSALE_[A-Z0-9_]+)\\s*[:=]\\s*(\\S*)");
  /** Settings that point at this machine on purpose inside the app's container (the bundled payment simulator). */
  private static final Set<String> LOCAL_BY_DESIGN = Set.of("payment.url");

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("compose.yaml"))) {
      p = p.getParent();
    }
    return p;
  }

  private static Map<String, String> variables(String file) throws Exception {
    Map<String, String> out = new HashMap<>();
    Matcher m = VARIABLE.matcher(Files.readString(root().resolve(file)));
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  private static JsonObject defaults() throws Exception {
    return new JsonObject(Files.readString(root().resolve("conf/flashsale.json")));
  }

  @Test
  @DisplayName("every FLASHSALE_* variable they set names a real config key (a typo would be silently ignored)")
  void variablesNameRealKeys() throws Exception {
    Set<String> known = new HashSet<>();
    defaults().fieldNames().forEach(k -> known.add(AppConfig.envName(k)));
    known.add("FLASHSALE_CONFIG");
    known.add("FLASHSALE_JWT_SECRET");
    Map<String, String> all = new HashMap<>(variables("compose.yaml"));
    all.putAll(variables("Dockerfile"));
    assertThat(all.keySet()).isNotEmpty().allSatisfy(v -> assertThat(known).as("config keys").contains(v));
  }

  @Test
  @DisplayName("the compose app reaches every dependency by its service name — Redlock nodes included")
  void everyDependencyByName() throws Exception {
    Map<String, String> compose = variables("compose.yaml");
    JsonObject defaults = defaults();
    for (String key : defaults.fieldNames()) {
      Object value = defaults.getValue(key);
      if (value instanceof String s && s.contains("127.0.0.1") && !LOCAL_BY_DESIGN.contains(key)) {
        String override = compose.get(AppConfig.envName(key));
        assertThat(override).as("compose.yaml must set %s (default %s points at the container itself)",
            AppConfig.envName(key), s).isNotNull().doesNotContain("127.0.0.1").doesNotContain("localhost");
      }
    }
  }
}
