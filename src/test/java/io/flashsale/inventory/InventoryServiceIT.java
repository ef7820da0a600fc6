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
      await(service.sweepExpired(1000));
      assertThat(await(inv.cache().available(productId))).as("not expired before its time").isEqualTo(1);

      clock.advance(Duration.ofMinutes(2));
      await(service.sweepExpired(1000));
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
  @DisplayName("Confirm is idempotent: a second confirm (an answer lost, a retry) takes no second unit")
  void confirmTwiceTakesOnce() throws Exception {
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(Clock.systemUTC(), 1000),
        Clock.systemUTC());
    try {
      String productId = productWithStock(inv, 5);
      Checkout held = await(inv.service().hold("u-twice", List.of(new PricedItem(productId, 2, 7_000, null, 0)), null));
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
    Inventory inv = Inventory.create(app.vertx(), app.config(), new SoldOutBoard(Clock.systemUTC(), 1000),
        Clock.systemUTC());
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
}
