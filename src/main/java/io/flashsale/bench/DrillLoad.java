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

import java.util.ArrayList;
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
 * The drills' flash-sale load: virtual shoppers who read the event page, check out a hot product and order it, over
 * two app instances like a load balancer would (a connection refused by one goes to the other; an order whose answer
 * was lost is retried with the same Idempotency-Key). How they shop is the drill's {@link Mode}: how many units they
 * ask for, with a coupon or not, whether they cancel right after ordering, whether they DELETE their checkout while
 * the order runs. Records every answer, every order id that got a 201 or a 202, and every SOLD_OUT that claimed
 * more units were left than the shopper asked for (a wrong refusal).
 */
public final class DrillLoad {

  /** How the drill's shoppers behave. */
  public record Mode(int maxQuantity, String couponId, boolean cancelAfterOrder, boolean releaseWhileOrdering) {
    public static Mode plain() {
      return new Mode(1, null, false, false);
    }
  }

  private final HttpClient http;
  private final List<Integer> ports;
  private final String eventId;
  private final List<String> products;
  private final IntFunction<String> token;
  private final Mode mode;
  private final AtomicBoolean running = new AtomicBoolean();
  final Map<String, Integer> display = new TreeMap<>();
  final Map<String, Integer> checkouts = new TreeMap<>();
  final Map<String, Integer> orders = new TreeMap<>();
  final Map<String, Integer> cancels = new TreeMap<>();
  final Map<String, Integer> releases = new TreeMap<>();
  final Set<String> confirmedOrders = ConcurrentHashMap.newKeySet();
  final List<String> wrongSoldOut = new ArrayList<>();
  /** Every 201 checkout: when it was sent, when it was answered, its first line's unit price. */
  final List<long[]> pricedAt = java.util.Collections.synchronizedList(new ArrayList<>());
  private int shopper;

  public DrillLoad(Vertx vertx, List<Integer> ports, String eventId, List<String> products, IntFunction<String> token,
                   Mode mode) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(1000).setIdleTimeout(10),
        new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
    this.ports = ports;
    this.eventId = eventId;
    this.products = products;
    this.token = token;
    this.mode = mode;
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
    int quantity = 1 + ThreadLocalRandom.current().nextInt(mode.maxQuantity());
    JsonObject checkout = new JsonObject().put("items", new JsonArray()
        .add(new JsonObject().put("productId", productId).put("quantity", quantity)));
    if (mode.couponId() != null) {
      checkout.put("couponId", mode.couponId());
    }
    long[] sentAt = new long[1];
    call(HttpMethod.GET, "/api/events/" + eventId, null, null, null, me, 0)
        .compose(d -> {
          count(display, d);
          sentAt[0] = System.currentTimeMillis();
          return call(HttpMethod.POST, "/api/checkouts", auth, checkout, null, me, 0);
        })
        .compose(c -> {
          count(checkouts, c);
          checkSoldOut(c, quantity);
          if (!c.startsWith("201|")) {
            return Future.succeededFuture();
          }
          JsonObject held = new JsonObject(c.substring(4));
          pricedAt.add(new long[] {sentAt[0], System.currentTimeMillis(),
              held.getJsonArray("items").getJsonObject(0).getLong("unitPrice")});
          String checkoutId = held.getString("checkoutId");
          Future<String> order = placeOrder(auth, checkoutId, me);
          if (mode.releaseWhileOrdering()) {
            Future<String> release = call(HttpMethod.DELETE, "/api/checkouts/" + checkoutId, auth, null, null, me, 1)
                .onSuccess(r -> count(releases, r));
            return Future.join(order, release).mapEmpty();
          }
          return order.compose(o -> {
            if (!mode.cancelAfterOrder() || !(o.startsWith("201|") || o.startsWith("202|"))) {
              return Future.succeededFuture();
            }
            String orderId = new JsonObject(o.substring(4)).getString("orderId");
            return call(HttpMethod.POST, "/api/orders/" + orderId + "/cancel", auth, new JsonObject(), null, me, 0)
                .onSuccess(r -> count(cancels, r)).mapEmpty();
          });
        })
        .onComplete(x -> loop());
  }

  private Future<String> placeOrder(String auth, String checkoutId, int me) {
    String key = UUID.randomUUID().toString();
    return call(HttpMethod.POST, "/api/orders", auth, new JsonObject().put("checkoutId", checkoutId)
        .put("payment", new JsonObject().put("method", "CARD").put("token", "tok_ok")), key, me, 0)
        .onSuccess(o -> {
          count(orders, o);
          // (A 202's order is checked by the settle wait: no order of the drill may stay PENDING.)
          if (o.startsWith("201|")) {
            confirmedOrders.add(new JsonObject(o.substring(4)).getString("orderId"));
          }
        });
  }

  /**
   * Checkouts against a sale boundary: answered before it → {@code before}'s price; sent after it → {@code after}'s;
   * never anything else (the list price would mean a view the clock outdated was trusted).
   */
  List<String> pricesAcross(long boundaryMillis, long before, long after) {
    List<String> wrong = new ArrayList<>();
    int early = 0;
    int late = 0;
    synchronized (pricedAt) {
      for (long[] p : pricedAt) {
        if (p[1] < boundaryMillis) {
          early++;
          if (p[2] != before) {
            wrong.add("checkout answered " + (boundaryMillis - p[1]) + " ms before the boundary priced " + p[2]);
          }
        } else if (p[0] >= boundaryMillis) {
          late++;
          if (p[2] != after) {
            wrong.add("checkout sent " + (p[0] - boundaryMillis) + " ms after the boundary priced " + p[2]);
          }
        } else if (p[2] != before && p[2] != after) {
          wrong.add("checkout across the boundary priced " + p[2]);
        }
      }
    }
    if (early == 0 || late == 0) {
      wrong.add("the load had no checkouts on one side of the boundary (" + early + " before, " + late + " after)");
    }
    return wrong.size() > 10 ? List.of(wrong.size() + " checkouts priced wrong, e.g. " + wrong.subList(0, 5)) : wrong;
  }

  /** A SOLD_OUT must say how many units were left, fewer than asked for. */
  private void checkSoldOut(String answer, int asked) {
    if (!answer.startsWith("409 SOLD_OUT")) {
      return;
    }
    JsonObject details = new JsonObject(answer.substring(answer.indexOf('|') + 1)).getJsonObject("error")
        .getJsonObject("details", new JsonObject());
    Long available = details.getLong("available");
    if (available == null || available >= asked) {
      synchronized (wrongSoldOut) {
        if (wrongSoldOut.size() < 20) {
          wrongSoldOut.add("asked " + asked + ", told " + details.encode());
        } else {
          wrongSoldOut.set(19, "… and more");
        }
      }
    }
  }

  /**
   * "201|body" or "409 SOLD_OUT|body" (the status line, then the body), or "IO ..." after the retries; retries go
   * to the other instance.
   */
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
        .compose(res -> res.body().map(b -> answer(res.statusCode(), b))));
    return f.recover(err -> attempt < 3 ? call(method, path, auth, body, key, who, attempt + 1)
        : Future.succeededFuture("IO " + err.getClass().getSimpleName()));
  }

  /** {@link CheckoutStorm#answer}, keeping an error's body too (a SOLD_OUT's details are checked). */
  private static String answer(int status, Buffer body) {
    String answer = CheckoutStorm.answer(status, body);
    return status < 300 ? answer : answer + "|" + body;
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
