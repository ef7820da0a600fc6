package io.flashsale.inventory;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.support.TestApp;
import io.flashsale.support.TestInfra;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.flashsale.support.Fixtures.uniqueId;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit against the real servers: confirms waiting at the same moment share one lock pipeline and one
 * transaction, and a member that cannot commit never takes its neighbours down with it. The inventory runs on one
 * event loop, as in the ConfirmVerticle.
 */
@ExtendWith(TestInfra.class)
@DisplayName("Group commit of confirms, on PostgreSQL and Redis")
class GroupCommitIT {

  private static TestApp app;
  private static Context loop;
  private static Inventory inv;

  @BeforeAll
  static void start() throws Exception {
    app = TestApp.start();
    loop = app.vertx().getOrCreateContext();
    inv = onLoop(() -> Future.succeededFuture(Inventory.create(app.vertx(), app.config(),
        new SoldOutBoard(Clock.systemUTC(), 1000), Clock.systemUTC())));
  }

  @AfterAll
  static void stop() {
    inv.close();
    app.close();
  }

  /** Runs on the inventory's event loop and waits for the answer. */
  private static <T> T onLoop(Supplier<Future<T>> work) throws Exception {
    Promise<T> done = Promise.promise();
    loop.runOnContext(v -> work.get().onComplete(done));
    return done.future().await(30, TimeUnit.SECONDS);
  }

  private static String product(int units) throws Exception {
    String productId = uniqueId("g");
    sql("insert into products (product_id, name, brand, category, price) values ($1, 'Batch', 'b', 'c', 10000)",
        productId);
    sql("insert into stock (product_id, quantity) values ($1, " + units + ")", productId);
    onLoop(() -> inv.recovery().reconcile(List.of(productId)));
    return productId;
  }

  private static void sql(String statement, String arg) throws Exception {
    inv.ledger().pool().preparedQuery(statement).execute(Tuple.of(arg)).await(10, TimeUnit.SECONDS);
  }

  private static long[] quantityAndVersion(String productId) throws Exception {
    var row = inv.ledger().pool().preparedQuery("select quantity, version from stock where product_id = $1")
        .execute(Tuple.of(productId)).await(10, TimeUnit.SECONDS).iterator().next();
    return new long[] {row.getLong(0), row.getLong(1)};
  }

  private static String status(String checkoutId) throws Exception {
    return onLoop(() -> inv.ledger().status(checkoutId));
  }

  private static List<Checkout> holds(String productId, int buyers, String couponId) throws Exception {
    List<Checkout> out = new ArrayList<>();
    for (int i = 0; i < buyers; i++) {
      String user = uniqueId("u");
      out.add(onLoop(() -> inv.service().hold(InventoryService.newCheckoutId(), user,
          List.of(new PricedItem(productId, 1, 7_000, null, 0)), couponId, 0)));
    }
    return out;
  }

  /** Fires every confirm in one go on the loop; answers each one's outcome (the checkout, or the failure). */
  private static List<Future<Checkout>> confirmAll(List<Checkout> checkouts) throws Exception {
    List<Future<Checkout>> outcomes = new ArrayList<>();
    onLoop(() -> {
      for (Checkout c : checkouts) {
        outcomes.add(inv.service().confirm(c.checkoutId(), null, System.currentTimeMillis() + 20_000));
      }
      return Future.join(new ArrayList<>(outcomes)).transform(x -> Future.succeededFuture());
    });
    return outcomes;
  }

  @Test
  @DisplayName("30 confirms of one product at once: all confirmed, 30 units gone, in far fewer decrements than 30")
  void batchesOneProduct() throws Exception {
    String productId = product(40);
    long versionBefore = quantityAndVersion(productId)[1];
    List<Future<Checkout>> outcomes = confirmAll(holds(productId, 30, null));
    assertThat(outcomes).allMatch(Future::succeeded);
    long[] after = quantityAndVersion(productId);
    assertThat(after[0]).isEqualTo(10);
    // Each committed batch bumps the row's version once: fewer bumps than confirms means they shared transactions.
    assertThat(after[1] - versionBefore).as("versioned decrements for 30 confirms").isBetween(1L, 15L);
    assertThat(onLoop(() -> inv.cache().available(productId))).isEqualTo(10);
  }

  @Test
  @DisplayName("Confirms of ten products at once: all confirmed, and exactly their holds leave Redis")
  void batchesManyProducts() throws Exception {
    List<String> products = new ArrayList<>();
    List<Checkout> confirming = new ArrayList<>();
    for (int p = 0; p < 10; p++) {
      String productId = product(3);
      products.add(productId);
      List<Checkout> held = holds(productId, 3, null);
      confirming.addAll(held.subList(0, 2)); // the third stays held: a hold ended twice would take it too
    }
    List<Future<Checkout>> outcomes = confirmAll(confirming);
    assertThat(outcomes).allMatch(Future::succeeded);
    for (String productId : products) {
      assertThat(quantityAndVersion(productId)[0]).isEqualTo(1);
      // The holds end in Redis behind the answers (one pipeline for a batch's products): the two confirmed ones leave.
      TestInfra.waitUntil(java.time.Duration.ofSeconds(10), () -> {
        try {
          return onLoop(() -> inv.cache().stock(productId))[1] == 1;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "the confirmed holds of " + productId + " consumed");
      assertThat(onLoop(() -> inv.cache().stock(productId))).containsExactly(0, 1);
    }
  }

  @Test
  @DisplayName("A member whose coupon cannot be redeemed fails alone (409); its batch-mates commit")
  void badMemberFailsAlone() throws Exception {
    String productId = product(10);
    List<Checkout> good = holds(productId, 4, null);
    // A checkout naming a coupon that was never reserved for it: its redeem finds no grant and must fail just it.
    List<Checkout> bad = holds(productId, 1, uniqueId("c-never-reserved"));
    List<Checkout> all = new ArrayList<>(good);
    all.add(2, bad.get(0));
    List<Future<Checkout>> outcomes = confirmAll(all);
    assertThat(outcomes.get(2).failed()).isTrue();
    assertThat(((ApiException) outcomes.get(2).cause()).code()).isEqualTo(ErrorCode.COUPON_NOT_APPLICABLE);
    for (int i : new int[] {0, 1, 3, 4}) {
      assertThat(outcomes.get(i).succeeded()).as("neighbour %d", i).isTrue();
    }
    assertThat(quantityAndVersion(productId)[0]).isEqualTo(6);
    assertThat(status(bad.get(0).checkoutId())).isEqualTo(Checkout.HELD);
  }

  @Test
  @DisplayName("A product whose stock row another session holds fails only its own confirms (503, nothing taken);"
      + " another product batched with it commits")
  void stalledProductDoesNotFailItsNeighbours() throws Exception {
    // Two products in the same confirm queue (shard), so their confirms share batches.
    int shards = InventoryConfig.from(app.config()).confirmShards();
    String stalled = product(5);
    String free = product(5);
    while (Math.floorMod(free.hashCode(), shards) != Math.floorMod(stalled.hashCode(), shards)) {
      free = product(5);
    }
    List<Checkout> stalledHolds = holds(stalled, 2, null);
    List<Checkout> freeHolds = holds(free, 3, null);
    Pool pool = inv.ledger().pool();
    SqlConnection holder = pool.getConnection().await(10, TimeUnit.SECONDS);
    try {
      holder.query("begin").execute().await(10, TimeUnit.SECONDS);
      holder.preparedQuery("select quantity from stock where product_id = $1 for update").execute(Tuple.of(stalled))
          .await(10, TimeUnit.SECONDS);
      List<Checkout> all = new ArrayList<>(stalledHolds);
      all.addAll(freeHolds);
      List<Future<Checkout>> outcomes = confirmAll(all);
      for (int i = 0; i < 2; i++) {
        assertThat(outcomes.get(i).failed()).as("a confirm of the stalled product").isTrue();
        assertThat(((ApiException) outcomes.get(i).cause()).code()).isEqualTo(ErrorCode.UNAVAILABLE);
      }
      for (int i = 2; i < 5; i++) {
        assertThat(outcomes.get(i).succeeded()).as("a confirm of the free product").isTrue();
      }
    } finally {
      holder.query("rollback").execute().await(10, TimeUnit.SECONDS);
      holder.close();
    }
    assertThat(quantityAndVersion(stalled)[0]).isEqualTo(5);
    assertThat(quantityAndVersion(free)[0]).isEqualTo(2);
    for (Checkout c : stalledHolds) {
      assertThat(status(c.checkoutId())).as("rolled back: still held for the shopper's retry").isEqualTo(Checkout.HELD);
    }
  }

  @Test
  @DisplayName("Checkouts stored at the same moment share one statement, and one PostgreSQL refuses fails alone")
  void checkoutInsertsShareAStatement() throws Exception {
    String productId = product(100);
    String second = product(100);
    // Ten good ones at once, two lines each: the first runs alone (the statement was idle), the nine waiting share one.
    List<Checkout> good = checkoutsOf(productId, second, 10, -1);
    assertThat(insertAll(good)).allMatch(Future::succeeded);
    // now() is a transaction's start: checkouts that shared a statement share a created_at.
    var row = inv.ledger().pool().preparedQuery("select count(*), count(distinct created_at) from checkouts"
            + " where checkout_id = any($1)")
        .execute(Tuple.of((Object) good.stream().map(Checkout::checkoutId).toArray(String[]::new)))
        .await(10, TimeUnit.SECONDS).iterator().next();
    assertThat(row.getLong(0)).isEqualTo(10);
    assertThat(row.getLong(1)).as("transactions that stored ten checkouts").isEqualTo(2);
    // Every line is its own checkout's, at its own position.
    var lines = inv.ledger().pool().preparedQuery("select checkout_id, product_id, position from checkout_items"
            + " where checkout_id = any($1) order by checkout_id, position")
        .execute(Tuple.of((Object) good.stream().map(Checkout::checkoutId).toArray(String[]::new)))
        .await(10, TimeUnit.SECONDS);
    List<String> stored = new ArrayList<>();
    lines.forEach(r -> stored.add(r.getString(0) + "/" + r.getString(1) + "/" + r.getInteger(2)));
    List<String> expected = new ArrayList<>();
    good.stream().map(Checkout::checkoutId).sorted().forEach(id -> {
      expected.add(id + "/" + productId + "/0");
      expected.add(id + "/" + second + "/1");
    });
    assertThat(stored).isEqualTo(expected);

    // Ten more, the eighth naming a product that does not exist: PostgreSQL refuses its foreign key, rolling back
    // the whole shared statement; each then runs alone and only the bad one fails.
    List<Checkout> mixed = checkoutsOf(productId, second, 10, 7);
    List<Future<Void>> outcomes = insertAll(mixed);
    for (int i = 0; i < outcomes.size(); i++) {
      if (i == 7) {
        assertThat(outcomes.get(i).cause()).isInstanceOf(PgException.class)
            .extracting(e -> ((PgException) e).getSqlState()).isEqualTo("23503");
      } else {
        assertThat(outcomes.get(i).succeeded()).as("checkout %d stored", i).isTrue();
      }
    }
    assertThat(inv.ledger().pool().preparedQuery("select count(*) from checkouts where checkout_id = any($1)")
        .execute(Tuple.of((Object) mixed.stream().map(Checkout::checkoutId).toArray(String[]::new)))
        .await(10, TimeUnit.SECONDS).iterator().next().getLong(0)).isEqualTo(9);
  }

  /**
   * {@code n} checkouts of a unit of {@code productId} and one of {@code second}; the one at {@code bad} names a
   * product that does not exist.
   */
  private static List<Checkout> checkoutsOf(String productId, String second, int n, int bad) {
    List<Checkout> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Checkout.create(InventoryService.newCheckoutId(), uniqueId("u"),
          List.of(new PricedItem(i == bad ? uniqueId("missing") : productId, 1, 7_000, null, 0),
              new PricedItem(second, 1, 5_000, null, 0)), null, 0, Instant.now().plusSeconds(600)));
    }
    return out;
  }

  /** Stores every checkout in one go on the loop; answers each one's outcome. */
  private static List<Future<Void>> insertAll(List<Checkout> checkouts) throws Exception {
    List<Future<Void>> outcomes = new ArrayList<>();
    onLoop(() -> {
      checkouts.forEach(c -> outcomes.add(inv.ledger().insertCheckout(c)));
      return Future.join(new ArrayList<>(outcomes)).transform(x -> Future.succeededFuture());
    });
    return outcomes;
  }
}
