package io.flashsale.admission;

import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * Token buckets in Redis, shared by every instance, in front of every {@code /api} write: one per user (JWT
 * {@code sub}) and, when configured, one per client address. A decision is one script call per bucket (the address's
 * first, then the user's; a user refused gives the address its token back), timed by the Redis server's clock so that
 * instances whose clocks drift share one bucket fairly. Over a limit: 429 with {@code Retry-After}, before anything else runs. A limiter that
 * cannot reach Redis within its deadline lets the request through (counted): the write itself then meets Redis, and
 * answers 503 if it is really down — a protection must not become the outage.
 */
public final class RateLimiter implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  private static final LuaScript TAKE = LuaScript.load("ratelimit_take.lua");

  private final Vertx vertx;
  private final Function<Request, Future<Response>> redis;
  private final RedisKeys keys;
  private final Auth auth;
  private final AdmissionConfig config;
  private final ClientAddress addresses;
  private final Counter limitedUser;
  private final Counter limitedAddress;
  private final Counter unavailable;

  public RateLimiter(Vertx vertx, Function<Request, Future<Response>> redis, RedisKeys keys, Auth auth,
                     AdmissionConfig config) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.auth = auth;
    this.config = config;
    this.addresses = new ClientAddress(config.trustedProxies());
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    this.limitedUser = counter(registry, "flashsale_rate_limited", "user", "writes refused with 429 by a bucket");
    this.limitedAddress = counter(registry, "flashsale_rate_limited", "address", "writes refused with 429 by a bucket");
    this.unavailable = counter(registry, "flashsale_rate_limiter_unavailable", null,
        "writes let through because the limiter could not reach Redis in time");
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (!config.rateLimitEnabled() || method == HttpMethod.GET || method == HttpMethod.HEAD
        || method == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    String address = config.perIpPerSecond() > 0 ? addresses.resolve(remote(ctx),
        ctx.request().headers().getAll("X-Forwarded-For")) : null;
    // A write without a valid token is refused by its route (401); only its address's bucket counts it here.
    auth.authenticate(ctx).transform(ar -> {
      String userId = null;
      if (ar.succeeded()) {
        ctx.put(Auth.CALLER, ar.result());
        userId = ar.result().userId();
      }
      return decide(userId, address);
    }).onSuccess(refusal -> {
      if (refusal == null) {
        ctx.next();
      } else {
        ctx.fail(refusal);
      }
    }).onFailure(ctx::fail);
  }

  /** Null when allowed; the 429 otherwise. A refused write leaves both buckets as they were. */
  Future<ApiException> decide(String userId, String address) {
    String userKey = userId == null ? null : keys.userWriteBucket(userId);
    String addressKey = address == null ? null : keys.addressWriteBucket(address);
    Future<long[]> byAddress = addressKey == null ? Future.succeededFuture(null)
        : take(addressKey, config.perIpPerSecond(), config.perIpBurst());
    return withDeadline(byAddress.compose(a -> {
      if (a != null && a[0] == 0) {
        limitedAddress.increment();
        return Future.succeededFuture(limited("address", a[1]));
      }
      if (userKey == null) {
        return Future.succeededFuture(null);
      }
      return take(userKey, config.perUserPerSecond(), config.perUserBurst()).compose(u -> {
        if (u[0] == 1) {
          return Future.succeededFuture(null);
        }
        limitedUser.increment();
        ApiException refusal = limited("user", u[1]);
        return addressKey == null ? Future.succeededFuture(refusal)
            // The refund is a courtesy: if it is lost, the write is still refused (never let through by it).
            : redis.apply(Request.cmd(Command.HINCRBYFLOAT).arg(addressKey).arg("t").arg("1")).transform(x ->
                Future.succeededFuture(refusal));
      });
    }));
  }

  private Future<long[]> take(String key, double rate, double burst) {
    return TAKE.run(redis, List.of(key), List.of(String.valueOf(rate), String.valueOf(burst), ""))
        .map(r -> new long[] {r.get(0).toLong(), r.get(1).toLong()});
  }

  private Future<ApiException> withDeadline(Future<ApiException> decision) {
    Promise<ApiException> out = Promise.promise();
    long timer = vertx.setTimer(config.limiterTimeoutMillis(), id -> {
      if (out.tryComplete(null)) {
        unavailable.increment();
      }
    });
    decision.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        out.tryComplete(ar.result());
      } else if (out.tryComplete(null)) {
        unavailable.increment();
        LOG.warn("rate limiter could not reach Redis ({}); the write goes through unlimited", ar.cause().toString());
      }
    });
    return out.future();
  }

  private static ApiException limited(String scope, long waitMillis) {
    long seconds = Math.max(1, (waitMillis + 999) / 1000);
    return new ApiException(ErrorCode.RATE_LIMITED, "too many writes from this " + scope + "; retry after " + seconds
        + " s", new JsonObject().put("scope", scope).put("retryAfterSeconds", seconds));
  }

  private static String remote(RoutingContext ctx) {
    var a = ctx.request().remoteAddress();
    return a == null ? "unknown" : a.hostAddress();
  }

  private static Counter counter(MeterRegistry registry, String name, String scope, String help) {
    if (registry == null) {
      return Counter.builder(name).register(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }
    Counter.Builder b = Counter.builder(name).description(help);
    if (scope != null) {
      b.tag("scope", scope);
    }
    return b.register(registry);
  }
}
