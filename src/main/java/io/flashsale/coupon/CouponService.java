package io.flashsale.coupon;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * "Which coupons may this user use on this product, and which is best": one Redis round trip to the shopper's slot
 * for the coupons they hold and their grade, definitions from a process-wide near cache (dropped on the coupon
 * channel), then the rule as arithmetic (the product side of each target included). Also reserves a coupon for a
 * checkout, atomically.
 */
public final class CouponService {

  /**
   * Definitions shared by a process's API verticles. Every invalidation moves one generation, and a load caches what
   * it read only if no invalidation came while it ran — otherwise a load that read v1 and finished after v2's
   * invalidation would keep v1 until the coupon changed again (changes are rare: a load that raced one of another
   * coupon just is not cached). Of two cached versions the newer wins, whatever order they arrive in.
   */
  public static final class Definitions {
    private final ConcurrentHashMap<String, Coupon> byId = new ConcurrentHashMap<>();
    /** Moves on every invalidation: a load caches its result only if none came while it ran. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    /** A coupon id whose definition changed, or {@code *}. */
    public void invalidate(String couponId) {
      generation.incrementAndGet();
      if ("*".equals(couponId)) {
        byId.clear();
      } else {
        byId.remove(couponId);
      }
    }

    Coupon get(String couponId) {
      return byId.get(couponId);
    }

    long generation() {
      return generation.get();
    }

    void cacheIfUnchanged(Coupon loaded, long generationAtStart) {
      if (generation.get() == generationAtStart) {
        byId.merge(loaded.couponId(), loaded, (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
      }
    }
  }

  private final CouponIndex index;
  private final CouponStore store;
  private final Definitions definitions;
  private final Clock clock;

  public CouponService(CouponIndex index, CouponStore store, Definitions definitions, Clock clock) {
    this.index = index;
    this.store = store;
    this.definitions = definitions;
    this.clock = clock;
  }

  /** Every coupon applicable now for the user and product (at {@code price}), best first. */
  public Future<List<CouponRule.Offer>> offers(String userId, CouponRule.ProductFacts product) {
    return rulesFor(userId).map(rule -> rule.apply(product));
  }

  /** The user's held coupons and grade, read once, as the rule for any product at this instant. */
  private Future<Function<CouponRule.ProductFacts, List<CouponRule.Offer>>> rulesFor(String userId) {
    return index.candidates(userId).compose(c -> definitionsOf(c.held()).map(defs -> {
      List<Coupon> held = new ArrayList<>(defs.values());
      Instant now = clock.instant();
      return product -> CouponRule.offers(held, c.held()::contains, c.grade(), product, now);
    }));
  }

  private Future<Map<String, Coupon>> definitionsOf(Set<String> ids) {
    Map<String, Coupon> found = new java.util.HashMap<>();
    List<String> missing = new ArrayList<>();
    long generation = definitions.generation();
    for (String id : ids) {
      Coupon c = definitions.get(id);
      if (c != null) {
        found.put(id, c);
      } else {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(found);
    }
    return index.definitions(missing).map(loaded -> {
      loaded.values().forEach(c -> definitions.cacheIfUnchanged(c, generation));
      found.putAll(loaded);
      return found;
    });
  }

  /**
   * The coupon's discount on a checkout: the rule applied to each line's product at its unit price, the best line
   * counting once. Fails with COUPON_NOT_APPLICABLE when it applies to no line.
   */
  public Future<Long> discount(String userId, String couponId, List<CouponRule.ProductFacts> lines) {
    return rulesFor(userId).compose(rule -> {
      long best = lines.stream().<CouponRule.Offer>flatMap(line -> rule.apply(line).stream())
          .filter(o -> o.couponId().equals(couponId)).mapToLong(CouponRule.Offer::discount).max().orElse(-1);
      return best < 0
          ? Future.<Long>failedFuture(notApplicable(couponId, "does not apply to these items for you now"))
          : Future.succeededFuture(best);
    });
  }

  /** Takes the user's grant of the coupon for the checkout, or fails with COUPON_NOT_APPLICABLE. */
  public Future<Void> reserve(String userId, String couponId, String checkoutId) {
    return index.take(userId, couponId).compose(took -> {
      if (!took) {
        return Future.failedFuture(notApplicable(couponId, "is not held by you (or already in use)"));
      }
      // PostgreSQL gates the reservation; Redis's set only says who may try. A reserve without an answer puts the
      // grant back (if it did commit, the next take is refused by PostgreSQL, and confirm redeems only a grant
      // reserved for its checkout), so a lost answer never hides a shopper's coupon until the next reindex. A refusal
      // does not: PostgreSQL says the grant is not available now, and when it is again (a released or cancelled
      // checkout) its CouponRestored event puts it back — putting it back here would keep a used grant on offer.
      return store.reserve(couponId, userId, checkoutId).transform(ar -> {
        if (ar.failed()) {
          return index.putBack(userId, couponId).transform(x -> Future.<Void>failedFuture(ar.cause()));
        }
        return ar.result() ? Future.<Void>succeededFuture()
            : Future.failedFuture(notApplicable(couponId, "is not held by you (or already in use)"));
      });
    });
  }

  /** Gives a reservation back (the hold it was for did not happen). */
  public Future<Void> release(String checkoutId) {
    return store.restoreReserved(checkoutId);
  }

  public static ApiException notApplicable(String couponId, String why) {
    return new ApiException(ErrorCode.COUPON_NOT_APPLICABLE, "coupon '" + couponId + "' " + why,
        new JsonObject().put("couponId", couponId));
  }

  /** The lookup's answer (API.md): every applicable coupon, best first, and the best one. */
  public static JsonObject toJson(String productId, String userId, long price, List<CouponRule.Offer> offers) {
    io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
    offers.forEach(o -> list.add(offerJson(o)));
    return new JsonObject().put("productId", productId).put("userId", userId).put("price", price).put("coupons", list)
        .put("best", offers.isEmpty() ? null : offerJson(offers.get(0)));
  }

  private static JsonObject offerJson(CouponRule.Offer o) {
    return new JsonObject().put("couponId", o.couponId()).put("name", o.name()).put("discount", o.discount())
        .put("finalPrice", o.finalPrice());
  }
}
