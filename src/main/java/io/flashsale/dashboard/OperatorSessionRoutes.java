package io.flashsale.dashboard;

import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.JsonInput;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * The operator's sign-in: {@code POST /admin/session} trades an admin token for a short-lived signed session cookie
 * ({@code HttpOnly; SameSite=Strict}, path {@code /admin}), {@code DELETE /admin/session} clears it. The token
 * never travels in a URL, so it stays out of browser history and access logs.
 */
public final class OperatorSessionRoutes {

  private static final int MAX_TOKEN = 4096;

  private final Auth auth;
  private final Duration ttl;
  private final boolean alwaysSecure;

  /** {@code alwaysSecure}: mark the cookie Secure whatever the request says (production sits behind TLS). */
  public OperatorSessionRoutes(Auth auth, Duration ttl, boolean alwaysSecure) {
    this.auth = auth;
    this.ttl = ttl;
    this.alwaysSecure = alwaysSecure;
  }

  /** Mounts the sign-in and sign-out; both run before (and without) the admin guard. */
  public void mount(Router router) {
    router.post("/admin/session").handler(this::signIn);
    router.delete("/admin/session").handler(this::signOut);
  }

  private void signIn(RoutingContext ctx) {
    boolean form = isForm(ctx);
    String token;
    try {
      // The HTML form's field reads like the JSON body's: one validation, one set of error messages.
      JsonInput in = form ? JsonInput.of(new JsonObject().put("token", ctx.request().getFormAttribute("token")), "")
          : JsonInput.parse(ctx.body().buffer()).allowOnly(Set.of("token"));
      token = in.string("token", MAX_TOKEN);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    auth.signIn(token, ttl).onSuccess(session -> {
      ctx.response().addCookie(cookie(ctx, session.token(),
          Math.max(1, (session.expiresAtMillis() - System.currentTimeMillis()) / 1000)));
      ctx.response().putHeader("cache-control", "no-store");
      if (form) {
        // A browser without scripts posted the form: back to the dashboard, now signed in.
        ctx.response().setStatusCode(303).putHeader(HttpHeaders.LOCATION, "/admin/").end();
        return;
      }
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(new JsonObject()
          .put("signedIn", true).put("expiresAt", Instant.ofEpochMilli(session.expiresAtMillis()).toString())
          .toBuffer());
    }).onFailure(ctx::fail);
  }

  private void signOut(RoutingContext ctx) {
    ctx.response().addCookie(cookie(ctx, "", 0)).putHeader("cache-control", "no-store").setStatusCode(204).end();
  }

  private Cookie cookie(RoutingContext ctx, String value, long maxAgeSeconds) {
    // Secure in production, and whenever the operator reached us over TLS (directly, or through a proxy that says so).
    boolean tls = alwaysSecure || ctx.request().isSSL()
        || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
    return Cookie.cookie(Auth.SESSION_COOKIE, value).setPath("/admin").setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT).setSecure(tls).setMaxAge(maxAgeSeconds);
  }

  private static boolean isForm(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }
}
