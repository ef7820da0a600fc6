package io.flashsale.cli;

import io.flashsale.http.Auth;
import io.flashsale.http.JsonInput;
import io.flashsale.infra.AppConfig;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code token}: prints a signed JWT for a user (for humans, scripts and the bench). */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print a bearer token: token --user u1 [--admin] [--ttl 1h]")
final class TokenCommand implements Callable<Integer> {

  @Option(names = "--user", required = true, description = "the user id (the token's sub)")
  String user;

  @Option(names = "--admin", description = "add the admin role")
  boolean admin;

  @Option(names = "--ttl", defaultValue = "1h", description = "lifetime: 90s, 30m, 1h, 7d (default ${DEFAULT-VALUE})")
  String ttl;

  @Override
  public Integer call() throws Exception {
    if (!JsonInput.ID.matcher(user).matches()) {
      System.err.println("--user must be 1-64 characters of [A-Za-z0-9_-]");
      return 2;
    }
    Duration lifetime;
    try {
      lifetime = parseDuration(ttl);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    AppConfig config = AppConfig.load();
    Vertx vertx = Vertx.vertx();
    try {
      System.out.println(new Auth(vertx, config.string("auth.jwtSecret")).issue(user, admin, lifetime));
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
    return 0;
  }

  static Duration parseDuration(String s) {
    if (s == null || !s.matches("\\d{1,9}[smhd]")) {
      throw new IllegalArgumentException("--ttl must look like 90s, 30m, 1h or 7d");
    }
    long n = Long.parseLong(s.substring(0, s.length() - 1));
    return switch (s.charAt(s.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
