package io.flashsale.infra;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The application's flat configuration: defaults bundled in the jar ({@code conf/flashsale.json}), then the file in
 * the working directory's {@code conf/} (or {@code FLASHSALE_CONFIG}), then {@code FLASHSALE_*} environment variables.
 */
public final class AppConfig {

  /** The dev secret shipped in conf/; the server refuses it when {@code env} is {@code prod}. */
  public static final String DEV_JWT_SECRET = "flashsale-dev-secret-do-not-use-in-prod-0123456789";

  /** Environment names that API.md fixes and that do not follow the derived FLASHSALE_SECTION_NAME rule. */
  private static final Map<String, String> ENV_ALIASES = Map.of("auth.jwtSecret", "FLASHSALE_JWT_SECRET");

  private final JsonObject values;

  private AppConfig(JsonObject values) {
    this.values = values;
  }

  /** Loads defaults, the optional file and the process environment. */
  public static AppConfig load() {
    return load(System.getenv());
  }

  static AppConfig load(Map<String, String> env) {
    JsonObject merged = bundledDefaults();
    Path file = Path.of(env.getOrDefault("FLASHSALE_CONFIG", "conf/flashsale.json"));
    if (Files.isRegularFile(file)) {
      try {
        merged.mergeIn(new JsonObject(Files.readString(file)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config " + file, e);
      }
    }
    for (String key : merged.fieldNames().toArray(String[]::new)) {
      String value = env.get(ENV_ALIASES.getOrDefault(key, envName(key)));
      if (value == null && ENV_ALIASES.containsKey(key)) {
        value = env.get(envName(key));
      }
      if (value != null) {
        merged.put(key, coerce(merged.getValue(key), value, key));
      }
    }
    return new AppConfig(merged);
  }

  /** Builds a config from defaults plus the given overrides (tests and tools). */
  public static AppConfig of(JsonObject overrides) {
    return new AppConfig(bundledDefaults().mergeIn(overrides));
  }

  /** A copy with some keys replaced. */
  public AppConfig with(JsonObject overrides) {
    return new AppConfig(values.copy().mergeIn(overrides));
  }

  /** {@code http.port} → {@code FLASHSALE_HTTP_PORT}; {@code pg.poolSize} → {@code FLASHSALE_PG_POOL_SIZE}. */
  public static String envName(String key) {
    return "FLASHSALE_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  private static JsonObject bundledDefaults() {
    try (InputStream in = AppConfig.class.getClassLoader().getResourceAsStream("conf/flashsale.json")) {
      if (in == null) {
        throw new IllegalStateException("conf/flashsale.json is missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object coerce(Object current, String raw, String key) {
    try {
      if (current instanceof Integer) {
        return Integer.parseInt(raw.trim());
      }
      if (current instanceof Long) {
        return Long.parseLong(raw.trim());
      }
      if (current instanceof Boolean) {
        return Boolean.parseBoolean(raw.trim());
      }
      return raw;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("environment " + envName(key) + " must be a number, got '" + raw + "'");
    }
  }

  public String string(String key) {
    String v = values.getString(key);
    if (v == null) {
      throw new IllegalStateException("missing config key " + key);
    }
    return v;
  }

  public int integer(String key) {
    Integer v = values.getInteger(key);
    if (v == null) {
      throw new IllegalStateException("missing config key " + key);
    }
    return v;
  }

  public long longValue(String key) {
    return values.getLong(key);
  }

  public boolean bool(String key) {
    return values.getBoolean(key, false);
  }

  public boolean isProd() {
    return "prod".equalsIgnoreCase(values.getString("env", "dev"));
  }

  /** Refuses settings that must never reach production. */
  public void checkSafeForEnvironment() {
    if (isProd() && DEV_JWT_SECRET.equals(values.getString("auth.jwtSecret"))) {
      throw new IllegalStateException(
          "refusing to start with the dev JWT secret while FLASHSALE_ENV=prod: set FLASHSALE_JWT_SECRET");
    }
    if (isProd() && values.getBoolean("payment.simulator.enabled", false)) {
      throw new IllegalStateException("refusing to start the bundled payment simulator while FLASHSALE_ENV=prod (it"
          + " approves test tokens): set FLASHSALE_PAYMENT_SIMULATOR_ENABLED=false and FLASHSALE_PAYMENT_URL to the"
          + " real provider");
    }
    if (values.getString("auth.jwtSecret", "").length() < 32) {
      throw new IllegalStateException("auth.jwtSecret must be at least 32 characters for HS256");
    }
  }

  public JsonObject asJson() {
    return values.copy();
  }
}
