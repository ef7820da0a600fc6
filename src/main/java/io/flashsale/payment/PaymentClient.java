package io.flashsale.payment;

import io.flashsale.http.ApiException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Talks to the payment provider through a circuit breaker: a call that fails or exceeds the timeout counts as a
 * failure; after {@code maxFailures} in a row the breaker opens and calls fail fast (503 with Retry-After) until a
 * half-open probe succeeds. A decline is an answer, not a failure.
 */
public final class PaymentClient {

  private final HttpClient http;
  private final CircuitBreaker breaker;
  private final long timeoutMillis;

  /** The provider's view of a payment. */
  public record Payment(String paymentId, String status, long amount, int refunds) {
    static Payment from(JsonObject j) {
      return new Payment(j.getString("paymentId"), j.getString("status"), j.getLong("amount", 0L),
          j.getInteger("refunds", 0));
    }
  }

  /** The provider failed (5xx, timeout) — retry later. */
  public static final class ProviderException extends RuntimeException {
    public ProviderException(String message) {
      super(message, null, false, false);
    }
  }

  public PaymentClient(Vertx vertx, PaymentConfig config) {
    URI base = URI.create(config.url());
    this.timeoutMillis = config.timeoutMillis();
    // Enough connections that a burst of orders does not queue into the breaker's timeout.
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setConnectTimeout((int) config.timeoutMillis()),
        new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(4096));
    this.breaker = CircuitBreaker.create("payment-provider", vertx, new CircuitBreakerOptions()
        .setMaxFailures(config.breakerMaxFailures()).setTimeout(config.timeoutMillis())
        .setResetTimeout(config.breakerResetMillis()).setFallbackOnFailure(false));
    BREAKERS.add(breaker);
    registerBreakerGauge();
  }

  /** Every live client's breaker in this process (one per order verticle and the recovery verticle). */
  private static final java.util.Set<CircuitBreaker> BREAKERS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The worst state among this process's payment breakers: OPEN if any is open, else HALF_OPEN if any probes, else
   * CLOSED (also when there is none).
   */
  public static CircuitBreakerState breakerState() {
    CircuitBreakerState worst = CircuitBreakerState.CLOSED;
    for (CircuitBreaker b : BREAKERS) {
      CircuitBreakerState s = b.state();
      if (s == CircuitBreakerState.OPEN) {
        return s;
      }
      if (s == CircuitBreakerState.HALF_OPEN) {
        worst = s;
      }
    }
    return worst;
  }

  private static void registerBreakerGauge() {
    io.micrometer.core.instrument.MeterRegistry registry = io.vertx.micrometer.backends.BackendRegistries
        .getDefaultNow();
    if (registry != null) {
      // One gauge over the static set: registering again answers the same meter.
      io.micrometer.core.instrument.Gauge.builder("flashsale_circuit_breaker_state", BREAKERS,
          b -> switch (breakerState()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
          }).tag("breaker", "payment-provider")
          .description("0 closed, 1 half-open (probing), 2 open (payments fail fast with 503)")
          .strongReference(true).register(registry);
    }
  }

  /** Authorises; a decline answers a payment with status DECLINED. */
  public Future<Payment> authorize(String idempotencyKey, long amount, String token) {
    return call(HttpMethod.POST, "/v1/authorizations", new JsonObject().put("idempotencyKey", idempotencyKey)
        .put("amount", amount).put("token", token)).map(Payment::from);
  }

  /** The payment made with this idempotency key, or {@code null} (the provider never saw it). */
  public Future<Payment> find(String idempotencyKey) {
    return call(HttpMethod.GET, "/v1/authorizations?idempotencyKey="
        + URLEncoder.encode(idempotencyKey, StandardCharsets.UTF_8), null).map(j -> j == null ? null : Payment.from(j));
  }

  public Future<Payment> capture(String paymentId) {
    return transition(paymentId, "capture");
  }

  public Future<Payment> voidAuthorization(String paymentId) {
    return transition(paymentId, "void");
  }

  public Future<Payment> refund(String paymentId) {
    return transition(paymentId, "refund");
  }

  /** A payment the provider does not know (404) is a failure to retry and look into, not an answer. */
  private Future<Payment> transition(String paymentId, String action) {
    return call(HttpMethod.POST, "/v1/payments/" + paymentId + "/" + action, new JsonObject()).compose(j -> j == null
        ? Future.failedFuture(new ProviderException("the provider knows no payment '" + paymentId + "' to " + action))
        : Future.succeededFuture(Payment.from(j)));
  }

  /**
   * 2xx and 402 answer a payment; 404 answers null; 409 answers the payment in its current state — the caller must
   * read its status (a void answered 409 may be a payment that was CAPTURED meanwhile); else a failure.
   */
  private Future<JsonObject> call(HttpMethod method, String path, JsonObject body) {
    // The request's own timeout (the breaker only stops waiting): a hung provider must give its connection back
    // instead of pinning every pooled connection.
    Future<JsonObject> f = breaker.execute(() -> http.request(new RequestOptions().setMethod(method).setURI(path)
            .setConnectTimeout(timeoutMillis).setIdleTimeout(timeoutMillis)
            .putHeader("content-type", "application/json"))
        .compose(req -> (body == null ? req.send() : req.send(Buffer.buffer(body.encode())))
            .compose(res -> res.body().compose(b -> {
              int s = res.statusCode();
              if (s >= 500) {
                return Future.failedFuture(new ProviderException("payment provider answered " + s));
              }
              if (s == 404) {
                return Future.succeededFuture(null);
              }
              JsonObject json = b.length() == 0 ? new JsonObject() : new JsonObject(b);
              if (s == 409 && json.containsKey("payment")) {
                return Future.succeededFuture(json.getJsonObject("payment"));
              }
              if (s >= 400 && s != 402) {
                return Future.failedFuture(new ProviderException("payment provider refused the call: " + s + " " + b));
              }
              return Future.succeededFuture(json);
            }))));
    return f.recover(err -> Future.failedFuture(err instanceof OpenCircuitException
        ? ApiException.unavailable("the payment provider is unavailable (circuit open); nothing was charged")
        : err instanceof ProviderException ? err : new ProviderException("payment provider: " + err)));
  }

  public Future<Void> close() {
    BREAKERS.remove(breaker);
    breaker.close();
    return http.close();
  }
}
