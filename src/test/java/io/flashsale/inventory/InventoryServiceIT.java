package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.RedisConfig;
import io.flashsale.infra.RedisKeys;
import io.flashsale.support.MutableClock;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.redis.client.Redis;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flashsale.support.Fixtures.createProduct;
import static io.flashsale.support.Fixtures.uniqueId;
import static io.flashsale.support.TestInfra.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(TestInfra.class)
@DisplayName("The inventory service, driven directly with an injected clock")
class InventoryServiceIT {

  private static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  private static String productWithStock(Inventory inv, int units) throws Exception {
    String productId = uniqueId("p");
    createProduct(app, productId, 10_000, units);
    waitUntil(Duration.ofSeconds(10), () -> {
      try {
        Long v = inv.cache().available(productId).await(5, TimeUnit.SECONDS);
        return v != null && v == units;
      } catch (Exception e) {
        return false;
      }
    }, "Redis to follow the stock");
    return productId;
  }

  @Test
  @DisplayName("A hold expires when its time comes and its units and limit come back — no sleeping")
  void holdsExpire() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(clock, 1000), clock);
    try {
      String productId = productWithStock(inv, 3);
      InventoryService service = inv.service();
      Checkout held = await(service.hold("u-exp", List.of(new PricedItem(productId, 2, 7_000, "ev-x", 2)), null));
      assertThat(await(inv.cache().available(productId))).isEqualTo(1);
      assertThatThrownBy(() -> await(service.hold("u-exp", List.of(new PricedItem(productId, 1, 7_000, "ev-x", 2)), null)))
          .isInstanceOf(ApiException.class).extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);

      clock.advance(Duration.ofMinutes(9));
      await(service.recovery().sweepExpired());
      assertThat(await(inv.cache().available(productId))).as("not expired before its time").isEqualTo(1);

      clock.advance(Duration.ofMinutes(2));
      await(service.recovery().sweepExpired());
      assertThat(await(inv.cache().available(productId))).isEqualTo(3);
      assertThat(await(inv.ledger().checkout(held.checkoutId())).status()).isEqualTo(Checkout.EXPIRED);
      assertThat(await(service.hold("u-exp", List.of(new PricedItem(productId, 2, 7_000, "ev-x", 2)), null)))
          .as("the limit came back too").isNotNull();
      assertThatThrownBy(() -> await(service.confirm(held.checkoutId(), null, Long.MAX_VALUE))).isInstanceOf(ApiException.class)
          .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.HOLD_EXPIRED);
    } finally {
      inv.close();
    }
  }

  @Test
  @DisplayName("A checkout of two products is held one product (slot) at a time: a refusal of the second gives the first"
      + " back at once, and a process that died between the two leaves a hold the sweeper gives back at its expiry")
  void multiProductHoldIsAllOrNone() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(clock, 1000), clock);
    try {
      String plenty = quietProduct(inv, 5);
      String scarce = quietProduct(inv, 1);
      InventoryService service = inv.service();
      assertThatThrownBy(() -> await(service.hold("u-two", List.of(new PricedItem(plenty, 2, 7_000, null, 0),
          new PricedItem(scarce, 2, 7_000, null, 0)), null))).isInstanceOf(ApiException.class)
          .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.SOLD_OUT);
      assertThat(await(inv.cache().stock(plenty))).as("the first product's hold went back").containsExactly(5, 0);
      assertThat(await(inv.cache().stock(scarce))).containsExactly(1, 0);

      // A process held the first product of a two-product checkout and died: no second hold, no checkout row.
      Checkout twoProducts = Checkout.create(InventoryService.newCheckoutId(), "u-two", List.of(
          new PricedItem(plenty, 3, 7_000, null, 0), new PricedItem(scarce, 1, 7_000, null, 0)), null, 0,
          Instant.ofEpochMilli(clock.millis()).plus(Duration.ofMinutes(10)));
      Checkout firstOnly = Checkout.create(twoProducts.checkoutId(), "u-two", twoProducts.items().subList(0, 1), null,
          0, twoProducts.expiresAt());
      assertThat(await(inv.cache().hold(firstOnly)).code()).isEqualTo("OK");
      assertThat(await(inv.cache().stock(plenty))).containsExactly(2, 3);
      clock.advance(Duration.ofMinutes(11));
      await(service.recovery().sweepExpired());
      assertThat(await(inv.cache().stock(plenty))).as("given back by the sweeper").containsExactly(5, 0);
      assertThat(await(inv.ledger().checkout(twoProducts.checkoutId()))).as("it never reached PostgreSQL").isNull();
    } finally {
      inv.close();
    }
  }

  @Test
  @DisplayName("Confirm is idempotent: a second confirm (an answer lost, a retry) takes no second unit")
  void confirmTwiceTakesOnce() throws Exception {
    Inventory inv = inventory(1000);
    try {
      String productId = productWithStock(inv, 5);
      Checkout held = await(holdOne(inv, "u-twice", productId, 2));
      assertThat(await(inv.service().confirm(held.checkoutId(), null, Long.MAX_VALUE)).status()).isEqualTo(Checkout.CONFIRMED);
      assertThat(await(inv.service().confirm(held.checkoutId(), null, Long.MAX_VALUE)).status()).isEqualTo(Checkout.CONFIRMED);
      long quantity = await(inv.ledger().pool().preparedQuery("select quantity from stock where product_id = $1")
          .execute(Tuple.of(productId))).iterator().next().getLong(0);
      assertThat(quantity).isEqualTo(3);
    } finally {
      inv.close();
    }
  }

  @Test
  @DisplayName("A confirm whose lock expired mid-way and was taken by another instance does not oversell")
  void expiredLockCannotOversell() throws Exception {
    Inventory inv = inventory(1000);
    Redis lockNode = Redis.createClient(app.vertx(), RedisConfig.from(app.config()).options());
    try {
      String productId = productWithStock(inv, 1);
      StockLedger ledger = inv.ledger();
      String key = RedisKeys.from(app.config()).lock("stock:" + productId);
      // (A retries too: a stock reconcile of the new product may hold the lock for a moment.)
      Redlock instanceA = new Redlock(app.vertx(), List.of(lockNode), Clock.systemUTC(), 50, 200, 10);
      Redlock instanceB = new Redlock(app.vertx(), List.of(lockNode), Clock.systemUTC(), 50, 500, 10);

      // A takes a short lock and reads the stock, then stalls (a GC pause, a slow disk) past its lock's expiry.
      Redlock.Lock lockA = await(instanceA.acquire(key, 150));
      StockLedger.StockRow readByA = await(ledger.readStock(ledger.pool(), productId));
      assertThat(readByA.quantity()).isEqualTo(1);

      // B gets the lock only once A's has expired, reads the same version and sells the last unit.
      Redlock.Lock lockB = await(instanceB.acquire(key, 5_000));
      assertThat(lockB.token()).isNotEqualTo(lockA.token());
      StockLedger.StockRow readByB = await(ledger.readStock(ledger.pool(), productId));
      assertThat(readByB.version()).isEqualTo(readByA.version());
      assertThat(await(ledger.tryDecrement(ledger.pool(), productId, 1, readByB.version()))).isNotNull();
      await(instanceB.release(lockB));

      // A wakes up and writes with the version it read: the fencing token refuses it.
      assertThat(await(ledger.tryDecrement(ledger.pool(), productId, 1, readByA.version()))).isNull();
      await(instanceA.release(lockA));
      long quantity = await(ledger.pool().preparedQuery("select quantity from stock where product_id = $1")
          .execute(Tuple.of(productId))).iterator().next().getLong(0);
      assertThat(quantity).isZero();
    } finally {
      lockNode.close();
      inv.close();
    }
  }

  /**
   * A product written straight into PostgreSQL (no outbox event, so no reconcile arrives later from Kafka) and loaded
   * into Redis once: tests that count units exactly while PostgreSQL changes under them need that quiet.
   */
  private static String quietProduct(Inventory inv, int units) throws Exception {
    String productId = uniqueId("q");
    sql(inv, "insert into products (product_id, name, brand, category, price) values ($1, 'Quiet', 'b', 'c', 10000)",
        productId);
    sql(inv, "insert into stock (product_id, quantity) values ($1, " + units + ")", productId);
    await(inv.recovery().reconcile(List.of(productId)));
    return productId;
  }

  private static long pgQuantity(Inventory inv, String productId) throws Exception {
    return await(inv.ledger().pool().preparedQuery("select quantity from stock where product_id = $1")
        .execute(Tuple.of(productId))).iterator().next().getLong(0);
  }

  @Test
  @DisplayName("A confirm that commits after the stale-confirm cut-off put its hold back: the sweeper gives nothing back")
  void lateCommitAfterStaleCutOffKeepsTheUnitSold() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(clock, 1000), clock);
    try {
      String productId = quietProduct(inv, 3);
      InventoryService service = inv.service();
      Checkout held = await(service.hold("u-stale", List.of(new PricedItem(productId, 1, 7_000, "ev-s", 1)), null));
      // The confirm starts (CONFIRMING in Redis) and then stalls on a row lock past the cut-off...
      assertThat(await(inv.cache().beginConfirm("u-stale", held.checkoutId(), held.productIds(), clock.millis())).get(0)).isEqualTo("OK");
      clock.advance(Duration.ofSeconds(61));
      await(service.recovery().recoverStaleConfirms());
      // ...the hold is back to HELD and its time runs out, then the stalled transaction finally commits.
      clock.advance(Duration.ofMinutes(10));
      StockLedger.BatchResult late = await(inv.ledger().confirmBatch(
          List.of(new ConfirmHook.Confirming(held, null, null)), ConfirmHook.NONE));
      assertThat(late.confirmed()).containsExactly(held.checkoutId());
      await(service.recovery().sweepExpired());
      assertThat(pgQuantity(inv, productId)).isEqualTo(2);
      assertThat(await(inv.cache().available(productId))).as("the sold unit did not come back in Redis").isEqualTo(2);
      assertThat(await(inv.ledger().checkout(held.checkoutId())).status()).isEqualTo(Checkout.CONFIRMED);
      assertThatThrownBy(() -> await(service.hold("u-stale", List.of(new PricedItem(productId, 1, 7_000, "ev-s", 1)),
          null))).as("the shopper's limit still counts the sold unit").isInstanceOf(ApiException.class)
          .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
    } finally {
      inv.close();
    }
  }

  @Test
  @DisplayName("An expiry whose PostgreSQL step fails keeps the hold and its coupon, and the next sweep finishes it")
  void expiryRetriesItsDatabaseStep() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(clock, 1000), clock);
    String trigger = "refuse_expiry_" + Long.toString(System.nanoTime(), 36);
    try {
      String productId = quietProduct(inv, 2);
      String couponId = uniqueId("c");
      String userId = uniqueId("u");
      String checkoutId = holdWithCoupon(inv, productId, userId, couponId);
      // PostgreSQL refuses the expiry of this one checkout (a failover, a full disk — any failed statement).
      sql(inv, "create function " + trigger + "() returns trigger language plpgsql as $f$ begin if new.checkout_id = '"
          + checkoutId + "' and new.status = 'EXPIRED' then raise exception 'injected'; end if; return new; end $f$", null);
      sql(inv, "create trigger " + trigger + " before update on checkouts for each row execute function " + trigger
          + "()", null);
      clock.advance(Duration.ofMinutes(11));
      await(inv.recovery().sweepExpired());
      assertThat(await(inv.cache().available(productId))).as("nothing given back while PostgreSQL still holds it")
          .isEqualTo(1);
      assertThat(grantStatus(inv, couponId)).isEqualTo("RESERVED");

      sql(inv, "drop trigger " + trigger + " on checkouts", null);
      await(inv.recovery().sweepExpired());
      assertThat(await(inv.cache().available(productId))).isEqualTo(2);
      assertThat(await(inv.ledger().checkout(checkoutId)).status()).isEqualTo(Checkout.EXPIRED);
      assertThat(grantStatus(inv, couponId)).as("the coupon came back with the hold").isEqualTo("AVAILABLE");
    } finally {
      sql(inv, "drop trigger if exists " + trigger + " on checkouts", null);
      sql(inv, "drop function if exists " + trigger + "()", null);
      inv.close();
    }
  }

  @Test
  @DisplayName("A give-back that meets a checkout PostgreSQL already confirmed returns no unit and keeps the coupon used")
  void giveBackAfterConfirmKeepsCoupon() throws Exception {
    onQuietProduct(1000, 2, (inv, productId) -> {
      String couponId = uniqueId("c");
      String userId = uniqueId("u");
      String checkoutId = holdWithCoupon(inv, productId, userId, couponId);
      await(inv.service().confirm(checkoutId, "ord_x", Long.MAX_VALUE));
      // The saga's compensation (or the owner's DELETE) arrives after the stock transaction committed.
      assertThatThrownBy(() -> await(inv.service().compensate(userId, checkoutId))).isInstanceOf(ApiException.class)
          .extracting(e -> ((ApiException) e).code()).isEqualTo(ErrorCode.ALREADY_ORDERED);
      assertThat(grantStatus(inv, couponId)).isEqualTo("USED");
      assertThat(await(inv.cache().available(productId))).isEqualTo(1);
      assertThat(pgQuantity(inv, productId)).isEqualTo(1);
    });
  }

  @Test
  @DisplayName("A buyer asking for 2 when 1 is left is told 1 is left, and the next buyer still gets it")
  void shortAnswerFlagsNothing() throws Exception {
    onQuietProduct(60_000, 1, (inv, productId) -> {
      refusedSoldOut(inv, productId, 2, 1);
      assertThat(await(holdOne(inv, uniqueId("u"), productId, 1))).isNotNull();
      refusedSoldOut(inv, productId, 1, 0);
    });
  }

  @Test
  @DisplayName("A unit given back is sellable at once in the process that gave it back, before the pub/sub notice")
  void giveBackClearsTheSoldOutFlag() throws Exception {
    // This board hears no pub/sub notice (nothing feeds it) and trusts a flag for a minute: only the give-back itself
    // can clear it. (OrderIT.declined met the notice arriving after the next buyer on a slow CI machine.)
    onQuietProduct(60_000, 1, (inv, productId) -> {
      String holder = uniqueId("u");
      Checkout held = await(holdOne(inv, holder, productId, 1));
      refusedSoldOut(inv, productId, 1, 0); // none left: the product is flagged
      await(inv.service().release(holder, held.checkoutId()));
      assertThat(await(holdOne(inv, uniqueId("u"), productId, 1))).as("the next buyer gets the unit that went back")
          .isNotNull();
    });
  }

  /** An inventory on the system clock whose sold-out flags count for {@code flagMillis}; close it after. */
  private static Inventory inventory(long flagMillis) {
    return Inventory.create(app.vertx(), app.config(), new SoldOutBoard(Clock.systemUTC(), flagMillis),
        Clock.systemUTC());
  }

  /** A hold of {@code quantity} units of one product, off sale (no event, no limit). */
  private static io.vertx.core.Future<Checkout> holdOne(Inventory inv, String userId, String productId, int quantity) {
    return inv.service().hold(userId, List.of(new PricedItem(productId, quantity, 7_000, null, 0)), null);
  }

  /** A test's body, given an inventory and a product of its own. */
  private interface OnProduct {
    void run(Inventory inv, String productId) throws Exception;
  }

  /** Runs {@code test} on a new inventory (its flags count {@code flagMillis}) and a quiet product of {@code units}. */
  private static void onQuietProduct(long flagMillis, int units, OnProduct test) throws Exception {
    Inventory inv = inventory(flagMillis);
    try {
      test.run(inv, quietProduct(inv, units));
    } finally {
      inv.close();
    }
  }

  /** A new buyer asking for {@code quantity} is refused SOLD_OUT, told {@code available} units are left. */
  private static void refusedSoldOut(Inventory inv, String productId, int quantity, long available) {
    assertThatThrownBy(() -> await(holdOne(inv, uniqueId("u"), productId, quantity))).isInstanceOf(ApiException.class)
        .satisfies(e -> {
          assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.SOLD_OUT);
          assertThat(((ApiException) e).details().getLong("available")).isEqualTo(available);
        });
  }

  /** One unit held by {@code userId} with a coupon reserved for the hold (as checkout reserves it); the checkout id. */
  private static String holdWithCoupon(Inventory inv, String productId, String userId, String couponId)
      throws Exception {
    String checkoutId = InventoryService.newCheckoutId();
    sql(inv, "insert into coupons (coupon_id, name, type, value, valid_from, valid_to) values ($1, 'x', 'FIXED', 100,"
        + " now() - interval '1 day', now() + interval '1 day')", couponId);
    sql(inv, "insert into coupon_grants (coupon_id, user_id, status, checkout_id) values ($1, '" + userId
        + "', 'RESERVED', '" + checkoutId + "')", couponId);
    await(inv.service().hold(checkoutId, userId, List.of(new PricedItem(productId, 1, 7_000, null, 0)), couponId, 100));
    return checkoutId;
  }

  private static void sql(Inventory inv, String statement, String arg) throws Exception {
    await(arg == null ? inv.ledger().pool().query(statement).execute()
        : inv.ledger().pool().preparedQuery(statement).execute(Tuple.of(arg)));
  }

  private static String grantStatus(Inventory inv, String couponId) throws Exception {
    return await(inv.ledger().pool().preparedQuery("select status from coupon_grants where coupon_id = $1")
        .execute(Tuple.of(couponId))).iterator().next().getString(0);
  }

  @Test
  @DisplayName("The rebuild lock is released only by its holder: an expired holder's late release frees nobody's lock")
  void rebuildLockHasAnOwner() throws Exception {
    Redis redis = Redis.createClient(app.vertx(), RedisConfig.from(app.config()).options());
    RedisKeys keys = new RedisKeys("t-" + uniqueId("lock") + ":");
    StockCache cache = new StockCache(redis, keys);
    try {
      String first = await(cache.tryRebuildLock(50));
      assertThat(first).isNotNull();
      waitUntil(Duration.ofSeconds(5), () -> {
        try {
          return await(cache.tryRebuildLock(60_000)) != null;
        } catch (Exception e) {
          return false;
        }
      }, "the first lock to expire and a second holder to take it");
      await(cache.dropRebuildLock(first)); // the first holder wakes up late and "releases"
      assertThat(await(cache.tryRebuildLock(60_000))).as("the second holder still has it").isNull();
    } finally {
      redis.close();
    }
  }
}
