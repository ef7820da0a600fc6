package io.flashsale.infra;

/** Every Redis key and channel name, in one place, under the configured prefix. */
public final class RedisKeys {

  private final String prefix;
  private final int statsShards;
  private final boolean cluster;

  public RedisKeys(String prefix) {
    this(prefix, 1, false);
  }

  /**
   * {@code statsShards}: how many hash tags the fan-out's dedupe marks and sales buckets spread over; {@code cluster}:
   * whether a pipeline must stay inside one hash slot.
   */
  public RedisKeys(String prefix, int statsShards, boolean cluster) {
    this.prefix = prefix;
    this.statsShards = statsShards;
    this.cluster = cluster;
  }

  /** On a Redis Cluster the marks and buckets spread over {@value #CLUSTER_STATS_SHARDS} tags; one server keeps one. */
  public static RedisKeys from(AppConfig config) {
    boolean cluster = RedisConfig.from(config).cluster();
    return new RedisKeys(config.string("redis.prefix"), cluster ? CLUSTER_STATS_SHARDS : 1, cluster);
  }

  /** Whether the keys live on a Redis Cluster: a pipeline or a multi-key command must then stay in one slot. */
  public boolean cluster() {
    return cluster;
  }

  /** Enough tags that the three masters of our cluster each get several (slots are spread by CRC16). */
  public static final int CLUSTER_STATS_SHARDS = 12;

  /** The event page view (a hash: {@code v} = version, {@code d} = encoded view). */
  public String eventView(String eventId) {
    return prefix + "view:event:{" + eventId + "}";
  }

  /** The product view (same layout as the event page view). */
  public String productView(String productId) {
    return prefix + "view:product:{" + productId + "}";
  }

  /** Held for a moment by the one process that rebuilds a view missing from Redis. */
  public String rebuildLock(String viewKey) {
    return viewKey + ":rebuilding";
  }

  /** A short-lived "this view does not exist" mark, so a scan of unknown ids costs PostgreSQL one query per id and TTL. */
  public String viewMissing(String viewKey) {
    return viewKey + ":missing";
  }

  /** The channel on which a written view announces {@code key|version}. */
  public String viewInvalidationChannel() {
    return prefix + "views:invalidate";
  }

  // Inventory. A product's keys carry its own hash tag {i:<product>}, so a sale over many products spreads over a
  // Redis Cluster's masters and every stock script runs in one slot; a checkout of several products is held one
  // product (slot) at a time (see StockCache). Only the rebuild's sentinel, lock and product list share {inv}.

  /** Present while Redis holds a complete inventory; its absence means Redis lost its data. */
  public String inventoryReady() {
    return prefix + "{inv}:ready";
  }

  /** Set of every product whose stock was loaded into Redis (the sweeper's and the drift measure's list). */
  public String inventoryProducts() {
    return prefix + "{inv}:products";
  }

  /** Hash of one product's stock: {@code a} units available to hold, {@code h} units in active holds. */
  public String stock(String productId) {
    return prefix + "{i:" + productId + "}:stock";
  }

  /**
   * Hash checkout → that checkout's hold of this product, {@code state|user|expiresAt|units|limit|event}; an entry
   * leaves once the hold is confirmed, released or expired.
   */
  public String holds(String productId) {
    return prefix + "{i:" + productId + "}:holds";
  }

  /** Sorted set of this product's active holds ({@code user|checkout}) by expiry time. */
  public String holdExpiry(String productId) {
    return prefix + "{i:" + productId + "}:expiry";
  }

  /** Sorted set of this product's holds being confirmed, by start time (for recovery of crashed confirms). */
  public String confirming(String productId) {
    return prefix + "{i:" + productId + "}:confirming";
  }

  /** Hash user|event → units of this product the user holds or bought (the per-user limit). */
  public String limits(String productId) {
    return prefix + "{i:" + productId + "}:limits";
  }

  /** Only one process rebuilds a lost inventory at a time. */
  public String inventoryRebuildLock() {
    return prefix + "{inv}:rebuilding";
  }

  /** Pub/sub channel of {@code soldout|product} and {@code available|product}. */
  public String stockChannel() {
    return prefix + "stock";
  }

  /** A Redlock resource key (on every lock node). */
  /** A product's stock lock: confirms and live reconciles of the product take it, so they never interleave. */
  public String stockLock(String productId) {
    return lock("stock:" + productId);
  }

  public String lock(String resource) {
    return prefix + "lock:" + resource;
  }

  /** An Idempotency-Key of a user: {@code P|hash} while in flight, {@code D|hash|status|body} when answered. */
  public String idempotency(String userId, String key) {
    return prefix + "idem:" + userId + ":" + key;
  }

  // Coupons. A shopper's keys (unused coupons, grade) share one of COUPON_USER_SHARDS tags, and each tag has its own
  // ready mark: a lookup reads one slot, and a master that lost its slots is seen by the marks it lost. A coupon's
  // holder set carries the coupon's own tag. Definitions and the rebuild lock stay in {cpn}: read on a near-cache
  // miss and per rebuild, not per lookup.

  /** Enough tags that three masters get an even share of shoppers (128 tags: 34 / 30 / 36 % by CRC16). */
  public static final int COUPON_USER_SHARDS = 128;

  /** The tag (0…{@value #COUPON_USER_SHARDS} − 1) of a shopper's coupon keys. */
  public int couponShard(String userId) {
    return Math.floorMod(userId.hashCode(), COUPON_USER_SHARDS);
  }

  private String couponUserTag(int shard) {
    return "{cu:" + shard + "}";
  }

  /** Hash coupon → definition JSON. */
  public String couponDefs() {
    return prefix + "{cpn}:defs";
  }

  /** Set of coupons the user holds an unused grant of. */
  public String couponsOfUser(String userId) {
    return prefix + couponUserTag(couponShard(userId)) + ":u:" + userId;
  }

  /** Set of users holding an unused grant of the coupon (read by the rebuild's diff, never by a lookup). */
  public String holdersOfCoupon(String couponId) {
    return prefix + "{cpn:" + couponId + "}:holders";
  }

  /** Hash user → membership grade, for the shoppers of one tag. */
  public String userGrades(int shard) {
    return prefix + couponUserTag(shard) + ":grades";
  }

  /** Set once a tag's sets were built from PostgreSQL; its absence (Redis lost the slot) triggers a rebuild. */
  public String couponIndexReady(int shard) {
    return prefix + couponUserTag(shard) + ":ready";
  }

  /** Set once the definitions were built; its absence (Redis lost the {cpn} slot) triggers a rebuild. */
  public String couponDefsReady() {
    return prefix + "{cpn}:ready";
  }

  public String couponRebuildLock() {
    return prefix + "{cpn}:rebuilding";
  }

  /** Pub/sub channel announcing a changed coupon definition (near caches drop it). */
  public String couponChannel() {
    return prefix + "coupons";
  }

  /** How many tags the dedupe marks and sales buckets use: keys of one tag share a slot (and a pipeline). */
  public int statsShards() {
    return statsShards;
  }

  /** The tag of an outbox event's dedupe marks and of the sales buckets it counts into. */
  public int statsShard(String eventId) {
    return statsShards == 1 ? 0 : Math.floorMod(eventId.hashCode(), statsShards);
  }

  private String statsTag(int shard) {
    return statsShards == 1 ? "{stats}" : "{stats:" + shard + "}";
  }

  /** Marks an event the sales-statistics script has counted (it checks the mark and counts in one step). */
  public String processed(String consumer, String eventId) {
    return prefix + statsTag(statsShard(eventId)) + ":done:" + consumer + ":" + eventId;
  }

  /**
   * Orders (count) in one minute, for one event or {@code all}, in one shard: the shard of the events counted into it
   * (a minute's figure is the sum over every shard).
   */
  public String ordersPerMinute(int shard, String eventId, String minute) {
    return prefix + statsTag(shard) + ":orders:" + eventId + ":" + minute;
  }

  /** Sales (won) in one minute, for one event or {@code all}, in one shard. */
  public String salesPerMinute(int shard, String eventId, String minute) {
    return prefix + statsTag(shard) + ":krw:" + eventId + ":" + minute;
  }

  // Admission control. A rate-limit bucket carries its user's (or address's) own tag, so buckets spread over a
  // cluster; a waiting room's keys share one tag per event, so each of its scripts runs in one slot.

  /** Token bucket of one user's writes ({@code t} = tokens, {@code ms} = last refill). */
  public String userWriteBucket(String userId) {
    return prefix + "{rl:u:" + userId + "}";
  }

  /** Token bucket of one client address's writes. */
  public String addressWriteBucket(String address) {
    return prefix + "{rl:ip:" + address + "}";
  }

  /**
   * A waiting room's key: {@code cfg} (settings, switches, generation, sold-out flag), {@code pace} (admission
   * credit), {@code tickets} (user → ticket), {@code waiting} (sorted set: the line), {@code admitted} (user →
   * expiry|generation|at), {@code active} (sorted set of live admissions by expiry), {@code admits} (admissions of
   * the last minute), {@code seq} (arrival counter after the start).
   */
  public String queue(String eventId, String part) {
    return prefix + "{q:" + eventId + "}:" + part;
  }

  /** Marks a solved join puzzle as used, until the puzzle itself expires. */
  public String queuePuzzleUsed(String eventId, String salt) {
    return prefix + "{q:" + eventId + "}:pow:" + salt;
  }

  public String prefix() {
    return prefix;
  }
}
