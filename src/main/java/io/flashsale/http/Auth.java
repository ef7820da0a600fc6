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

  /**
   * A verified token's caller, the last moment (exp plus leeway) it may be used, and whether it is a dashboard
   * session (only those are taken from the session cookie).
   */
  private record Verified(Caller caller, long usableUntilMillis, boolean session) {
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
    String path = ctx.normalizedPath();
    boolean admin = path.equals("/admin") || path.startsWith("/admin/");
    io.vertx.core.http.HttpMethod method = ctx.request().method();
    if (header == null && admin && (method == io.vertx.core.http.HttpMethod.GET
        || method == io.vertx.core.http.HttpMethod.HEAD)) {
      // A browser on the dashboard carries the operator's session cookie (see OperatorSessionRoutes), never a URL
      // token. Reads only: the page never writes, so no admin write can be ridden on the cookie (CSRF from a
      // same-site page), whatever SameSite does.
      io.vertx.core.http.Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
      if (cookie != null && !cookie.getValue().isEmpty()) {
        return callerOf(cookie.getValue(), true);
      }
    }
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED,
          "send 'Authorization: Bearer <token>' (get one with: java -jar target/flashsale.jar token --user u1"
              + (admin ? " --admin" : "") + "; the CLI signs with FLASHSALE_JWT_SECRET, so set it as the server has"
              + " it)" + (admin ? "; a browser signs in at /admin/" : "")));
    }
    return callerOf(header.substring(7).trim(), false);
  }

  /** The cookie that carries an operator's dashboard session. */
  public static final String SESSION_COOKIE = "flashsale_session";

  private static final String SESSION_CLAIM = "session";

  /**
   * A session token for an operator who signed in with {@code caller}'s token: an admin JWT of its own, marked as a
   * session, that lives {@code ttl} but never past {@code notAfterMillis} (the token it was traded for).
   */
  private Session issueSession(Caller caller, Duration ttl, long notAfterMillis) {
    long now = System.currentTimeMillis();
    long until = Math.min(now + ttl.toMillis(), notAfterMillis);
    long seconds = Math.max(1, (until - now) / 1000);
    JsonObject claims = new JsonObject().put("sub", caller.userId()).put(SESSION_CLAIM, true)
        .put("roles", new JsonArray(List.of("admin")));
    String token = jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) seconds));
    return new Session(token, now + seconds * 1000);
  }

  /** A signed session value and the moment it stops being accepted. */
  public record Session(String token, long expiresAtMillis) {
  }

  /** Verifies an admin's token for a sign-in: its caller and the moment (epoch millis) the token expires. */
  public Future<Session> signIn(String token, Duration ttl) {
    return check(token).compose(v -> v.caller().admin()
        ? Future.succeededFuture(issueSession(v.caller(), ttl, v.usableUntilMillis() - LEEWAY_SECONDS * 1000))
        : Future.failedFuture(new ApiException(ErrorCode.FORBIDDEN,
            "the dashboard needs a token with the admin role")));
  }

  /**
   * The caller a token names, if it is the kind asked for: a dashboard session from the cookie, any other token as
   * a Bearer (a session is good as the cookie only). A token verified before answers without a new future.
   */
  private Future<Caller> callerOf(String token, boolean session) {
    Verified known = known(token);
    return known != null ? ofKind(known, session) : check(token).compose(v -> ofKind(v, session));
  }

  private static Future<Caller> ofKind(Verified v, boolean session) {
    if (v.session() == session) {
      return Future.succeededFuture(v.caller());
    }
    return Future.failedFuture(new ApiException(ErrorCode.UNAUTHORIZED, session
        ? "the session cookie is not a dashboard session; sign in again at /admin/"
        : "a dashboard session is not a Bearer token"));
  }

  /** The cached verification of this token while it is usable, else null. */
  private Verified known(String token) {
    Verified known = verified.getIfPresent(token);
    if (known == null) {
      return null;
    }
    // The system clock, not the app's: the JWT library checks exp against it too, and the two must agree.
    if (System.currentTimeMillis() <= known.usableUntilMillis()) {
      return known;
    }
    verified.invalidate(token);
    return null;
  }

  private Future<Verified> check(String token) {
    Verified known = known(token);
    if (known != null) {
      return Future.succeededFuture(known);
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
      boolean session = Boolean.TRUE.equals(principal.getValue(SESSION_CLAIM));
      Verified v = new Verified(caller, exp instanceof Number seconds
          ? seconds.longValue() * 1000 + LEEWAY_SECONDS * 1000 : Long.MAX_VALUE, session);
      if (exp instanceof Number) {
        verified.put(token, v);
      }
      return Future.succeededFuture(v);
    });
  }
}
