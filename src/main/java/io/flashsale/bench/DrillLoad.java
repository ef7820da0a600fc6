package io.flashsale.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * The drills' flash-sale load: virtual shoppers who read the event page, check out one unit of a hot product and
 * order it, over two app instances like a load balancer would (a connection refused by one goes to the other; an
 * order whose answer was lost is retried with the same Idempotency-Key). Records every answer and every order id
 * that got a 201.
 */
public final class DrillLoad {

  private final HttpClient http;
  private final List<Integer> ports;
  private final String eventId;
  private final List<String> products;
  private final IntFunction<String> token;
  private final AtomicBoolean running = new AtomicBoolean();
  final Map<String, Integer> display = new TreeMap<>();
  final Map<String, Integer> checkouts = new TreeMap<>();
  final Map<String, Integer> orders = new TreeMap<>();
  final Set<String> confirmedOrders = ConcurrentHashMap.newKeySet();
  private int shopper;

  public DrillLoad(Vertx vertx, List<Integer> ports, String eventId, List<String> products, IntFunction<String> token) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(1000).setIdleTimeout(10),
        new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
    this.ports = ports;
    this.eventId = eventId;
    this.products = products;
    this.token = token;
  }

  public void start(int shoppers) {
    running.set(true);
    for (int i = 0; i < shoppers; i++) {
      loop();
    }
  }

  public void stop() {
    running.set(false);
  }

  private synchronized int nextShopper() {
    return shopper++;
  }

  private void loop() {
    if (!running.get()) {
      return;
    }
    int me = nextShopper();
    String auth = token.apply(me);
    String productId = products.get(ThreadLocalRandom.current().nextInt(products.size()));
    call(HttpMethod.GET, "/api/events/" + eventId, null, null, null, me, 0)
        .compose(d -> {
          count(display, d);
          return call(HttpMethod.POST, "/api/checkouts", auth, new JsonObject().put("items", new JsonArray()
              .add(new JsonObject().put("productId", productId).put("quantity", 1))), null, me, 0);
        })
        .compose(c -> {
          count(checkouts, c);
          if (!c.startsWith("201|")) {
            return Future.succeededFuture();
          }
          String checkoutId = new JsonObject(c.substring(4)).getString("checkoutId");
          String key = UUID.randomUUID().toString();
          return call(HttpMethod.POST, "/api/orders", auth, new JsonObject().put("checkoutId", checkoutId)
              .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")), key, me, 0)
              .map(o -> {
                count(orders, o);
                if (o.startsWith("201|")) {
                  confirmedOrders.add(new JsonObject(o.substring(4)).getString("orderId"));
                }
                return null;
              });
        })
        .onComplete(x -> loop());
  }

  /** "201|body", "409 SOLD_OUT", "503 UNAVAILABLE", or "IO ..." after the retries; retries go to the other instance. */
  private Future<String> call(HttpMethod method, String path, String auth, JsonObject body, String key, int who,
                              int attempt) {
    int port = ports.get((who + attempt) % ports.size());
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path)
        .setTimeout(15_000);
    if (auth != null) {
      o.putHeader("authorization", "Bearer " + auth);
    }
    if (key != null) {
      o.putHeader("idempotency-key", key);
    }
    o.putHeader("content-type", "application/json");
    Future<String> f = http.request(o).compose(req -> (body == null ? req.send() : req.send(Buffer.buffer(body.encode())))
        .compose(res -> res.body().map(b -> CheckoutStorm.answer(res.statusCode(), b))));
    return f.recover(err -> attempt < 3 ? call(method, path, auth, body, key, who, attempt + 1)
        : Future.succeededFuture("IO " + err.getClass().getSimpleName()));
  }

  private static void count(Map<String, Integer> map, String answer) {
    int bar = answer.indexOf('|');
    String code = bar < 0 ? answer : answer.substring(0, bar);
    synchronized (map) {
      map.merge(code, 1, Integer::sum);
    }
  }

  public Future<Void> close() {
    return http.close();
  }
}
