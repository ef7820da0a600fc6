package io.flashsale.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.List;

/** HS256 JWT identity: issues tokens and guards routes (shopper = any valid token, admin = role "admin"). */
public final class Auth {

  /** The routing-context key holding the authenticated {@link Caller}. */
  public static final String CALLER = "flashsale.caller";

  private static final int LEEWAY_SECONDS = 5;

  private final JWTAuth jwt;
  /**
   * Tokens already verified, until their {@code exp}: a shopper's checkout and order carry the same token, and
   * verifying it again is work with a known answer. Keyed by the whole token, so only the same signed bytes hit.
   */
  private final Cache<String, Verified> verified = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(Duration.ofMinutes(10)).build();

  /** A verified token's caller, and the last moment (exp plus leeway) it may be used. */
  private record Verified(Caller caller, long usableUntilMillis) {
  }

  public Auth(Vertx vertx, String secret) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setAlgorithm("HS256").setLeeway(LEEWAY_SECONDS)));
  }

  /** Who is calling: the token's {@code sub} and whether it holds the admin role. */
  public record Caller(String userId, boolean admin) {
  }

  public String issue(String userId, boolean admin, Duration ttl) {
    JsonObject claims = new JsonObject().put("sub", userId)
        .put("roles", new JsonArray(admin ? List.of("shopper", "admin") : List.of("shopper")));
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256")
        .setExpiresInSeconds((int) Math.min(Integer.MAX_VALUE, ttl.toSeconds())));
  }

  /** Requires a valid token; stores the {@link Caller}. */
  public Handler<RoutingContext> shopper() {
    return ctx -> {
      if (ctx.get(CALLER) != null) {
        // Already authenticated on this request (the write rate limiter needs the user first).
        ctx.next();
        return;
      }
      authenticate(ctx).onSuccess(caller -> {
        ctx.put(CALLER, caller);
        ctx.next();
      }).onFailure(ctx::fail);
    };
  }

  /** Requires a valid token with the admin role. */
  public Handler<RoutingContext> admin() {
    return ctx -> authenticate(ctx).onSuccess(caller -> {
      if (!caller.admin()) {
        ctx.fail(new ApiException(ErrorCode.FORBIDDEN, "this call needs the admin role"));
        return;
      }
      ctx.put(CALLER, caller);
      ctx.next();
    }).onFailure(ctx::fail);
  }

  public Future<Caller> authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    // A browser opening the dashboard cannot send a header: GETs under /admin/ also take ?token=.
    String query = ctx.request().getParam("token");
    String path = ctx.request().path();
    if (header == null && query != null && ctx.request().method() == io.vertx.core.http.HttpMethod.GET
        && (path.equals("/admin") || path.startsWith("/admin/"))) {
      return verify(query);
    }
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED,
          "send 'Authorization: Bearer <token>' (get one with: java -jar target/flashsale.jar token --user u1"
              + (ctx.request().path().startsWith("/admin") ? " --admin" : "") + "; the CLI signs with"
              + " FLASHSALE_JWT_SECRET, so set it as the server has it)"));
    }
    return verify(header.substring(7).trim());
  }

  public Future<Caller> verify(String token) {
    Verified known = verified.getIfPresent(token);
    if (known != null) {
      // The system clock, not the app's: the JWT library checks exp against it too, and the two must agree.
      if (System.currentTimeMillis() <= known.usableUntilMillis()) {
        return Future.succeededFuture(known.caller());
      }
      verified.invalidate(token);
    }
    return jwt.authenticate(new TokenCredentials(token)).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED, "invalid or expired token (a token from"
            + " the CLI is signed with FLASHSALE_JWT_SECRET, or the dev secret when it is unset: set it as the server"
            + " has it)"));
      }
      JsonObject principal = ar.result().attributes().getJsonObject("accessToken", ar.result().principal());
      Object sub = principal.getValue("sub");
      if (!(sub instanceof String userId) || !JsonInput.ID.matcher(userId).matches()) {
        return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED, "token 'sub' must be a valid user id"));
      }
      if (!principal.containsKey("exp") && !ar.result().attributes().containsKey("exp")) {
        return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED, "token must carry an 'exp' claim"));
      }
      Object roles = principal.getValue("roles");
      boolean admin = roles instanceof JsonArray arr && arr.contains("admin");
      Caller caller = new Caller(userId, admin);
      Object exp = principal.containsKey("exp") ? principal.getValue("exp") : ar.result().attributes().getValue("exp");
      if (exp instanceof Number seconds) {
        verified.put(token, new Verified(caller, seconds.longValue() * 1000 + LEEWAY_SECONDS * 1000));
      }
      return Future.succeededFuture(caller);
    });
  }
}
