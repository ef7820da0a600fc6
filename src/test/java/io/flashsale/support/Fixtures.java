package io.flashsale.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds catalog data through the admin API, with ids unique to each test. */
public final class Fixtures {

  private Fixtures() {
  }

  /** "201", or the status and API error code of a refusal: "409 SOLD_OUT". */
  public static String code(HttpResponse<String> r) {
    return r.statusCode() < 300 ? String.valueOf(r.statusCode())
        : r.statusCode() + " " + new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  public static String checkoutBody(String productId, int quantity) {
    return new JsonObject().put("items", new JsonArray().add(new JsonObject().put("productId", productId)
        .put("quantity", quantity))).encode();
  }

  public static String uniqueId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static JsonObject product(String name, long price) {
    return new JsonObject().put("name", name).put("brand", "Covernat").put("category", "Outerwear")
        .put("price", price).put("imageUrl", "https://img.example/" + name.replace(' ', '-') + ".jpg");
  }

  public static void createProduct(TestApp app, String productId, long price, long stock) {
    HttpResponse<String> r = app.putAdmin("/admin/products/" + productId, product("Padded Jacket " + productId, price));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    r = app.putAdmin("/admin/products/" + productId + "/stock", new JsonObject().put("quantity", stock));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** An event open from an hour ago for a day, selling each product at 7,000 won, at most 2 per shopper. */
  public static void createOpenEvent(TestApp app, String eventId, String... productIds) {
    createOpenEvent(app, eventId, 2, productIds);
  }

  /**
   * A product (10,000 won, {@code units} in stock) in an open event (7,000 won, {@code limitPerUser}), once the sale
   * shows on its product view — checkout prices and limits come from there, a moment after the event is written.
   */
  public static String openSale(TestApp app, long units, int limitPerUser) {
    String productId = uniqueId("p");
    createProduct(app, productId, 10_000, units);
    createOpenEvent(app, uniqueId("e"), limitPerUser, productId);
    TestInfra.waitUntil(java.time.Duration.ofSeconds(10),
        () -> app.get("/api/products/" + productId).body().contains("limitPerUser"), "the sale on the product view");
    return productId;
  }

  public static void createOpenEvent(TestApp app, String eventId, int limitPerUser, String... productIds) {
    JsonArray items = new JsonArray();
    for (String p : productIds) {
      items.add(new JsonObject().put("productId", p).put("salePrice", 7_000).put("limitPerUser", limitPerUser));
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> r = app.putAdmin("/admin/events/" + eventId, new JsonObject().put("title", "Sale " + eventId)
        .put("startsAt", now.minus(1, ChronoUnit.HOURS).toString())
        .put("endsAt", now.plus(1, ChronoUnit.DAYS).toString()).put("items", items));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** {@code POST /api/orders} for the checkout, paid with the simulator's {@code paymentToken}, under {@code key}. */
  public static java.net.http.HttpRequest.Builder orderRequest(TestApp app, String token, String key,
                                                               String checkoutId, String paymentToken) {
    return Load.post(app.port(), "/api/orders", token, new JsonObject().put("checkoutId", checkoutId)
        .put("payment", new JsonObject().put("method", "CARD").put("token", paymentToken)).encode())
        .header("Idempotency-Key", key);
  }

  /** One unit of the product bought by the shopper (checkout, then an order paid with {@code tok_ok}); its order id. */
  public static String placeOrder(TestApp app, String token, String productId) {
    HttpResponse<String> r = app.send(orderRequest(app, token, uniqueId("k"), checkout(app, token, productId), "tok_ok"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("orderId");
  }

  /** One unit of the product held for the shopper; answers the checkout id. */
  public static String checkout(TestApp app, String token, String productId) {
    HttpResponse<String> r = app.send(Load.post(app.port(), "/api/checkouts", token, checkoutBody(productId, 1)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("checkoutId");
  }
}
