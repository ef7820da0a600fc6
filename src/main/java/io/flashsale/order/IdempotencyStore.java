package io.flashsale.order;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.flashsale.infra.GroupCommit;
import io.flashsale.infra.GroupedStatement;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Idempotency-Key: the first use takes the key (Redis {@code SET NX}, backed by a PostgreSQL primary key so a lost
 * Redis cannot let a second request through), and the final answer is stored; a retry with the same body replays it,
 * another body is a 422, a retry while the first is in flight a 409. A retryable answer (503) frees the key.
 */
public final class IdempotencyStore {

  /** A key in flight longer than this (also in the SQL below) was left by a dead process and may be taken over. */
  private static final int STALE_SECONDS = 120;

  private final Function<Request, Future<Response>> redis;
  private final Pool pool;
  private final RedisKeys keys;
  private final long ttlSeconds;
  private final GroupedStatement<KeyUse, Boolean> begins = new GroupedStatement<>("idempotency keys",
      2_000, 64, 1_000, 3_000, this::take);

  /** A first use of a key: the row to insert. */
  private record KeyUse(String userId, String key, String hash) {
  }

  /** What {@link #begin} decided: run the request, or replay a stored answer. */
  public record Begin(boolean replay, int status, String body) {
    static Begin run() {
      return new Begin(false, 0, null);
    }
  }

  /** {@code redis}: how commands are sent (the pool on one server, pipelined lanes on a cluster). */
  public IdempotencyStore(Function<Request, Future<Response>> redis, Pool pool, RedisKeys keys, long ttlSeconds) {
    this.redis = redis;
    this.pool = pool;
    this.keys = keys;
    this.ttlSeconds = ttlSeconds;
  }

  public Future<Begin> begin(String userId, String key, String hash) {
    String redisKey = keys.idempotency(userId, key);
    return redis.apply(Request.cmd(Command.SET).arg(redisKey).arg("P|" + hash).arg("NX").arg("EX").arg(STALE_SECONDS))
        .transform(ar -> {
          if (ar.failed()) {
            return durableBegin(userId, key, hash); // Redis down: PostgreSQL alone decides
          }
          if (ar.result() != null && "OK".equals(ar.result().toString())) {
            return durableBegin(userId, key, hash);
          }
          return redis.apply(Request.cmd(Command.GET).arg(redisKey)).compose(v -> v == null
              ? durableBegin(userId, key, hash) : Future.succeededFuture(decide(v.toString(), hash)));
        });
  }

  private static Begin decide(String value, String hash) {
    String[] parts = value.split("\\|", 4);
    if (!parts[1].equals(hash)) {
      throw conflict();
    }
    if ("P".equals(parts[0])) {
      throw inProgress();
    }
    return new Begin(true, Integer.parseInt(parts[2]), parts[3]);
  }

  private Future<Begin> durableBegin(String userId, String key, String hash) {
    // The row is taken in one statement with the keys of the orders placed at the same moment (a group commit). A
    // refusal there wrote nothing: the Redis mark goes too, or the retry it asks for would meet "in progress".
    return begins.run(new KeyUse(userId, key, hash))
        .recover(err -> !(err instanceof GroupCommit.NotStarted) ? Future.failedFuture(err)
            : forgetMark(userId, key).transform(x -> Future.failedFuture(err)))
        .compose(took -> {
          if (took) {
            return Future.succeededFuture(Begin.run());
          }
          // The row is another request's while Redis had no mark of it (lost, or Redis was down): answer from the
          // row, and let Redis follow — the answer, or no mark (ours would answer "in progress" for two minutes).
          return pool.preparedQuery(OrderSql.READ_KEY).execute(Tuple.of(userId, key)).map(rows -> {
                if (rows.size() == 0) { // expired between the two statements: free again
                  throw ApiException.unavailable("the Idempotency-Key changed while it was taken; retry");
                }
                Row r = rows.iterator().next();
                if (!r.getString("request_hash").equals(hash)) {
                  throw conflict();
                }
                if (r.getValue("completed_at") == null) {
                  throw inProgress();
                }
                return new Begin(true, r.getInteger("status_code"), r.getString("response"));
              })
              .compose(b -> remember(userId, key, hash, b.status(), b.body()).map(b),
                  err -> forgetMark(userId, key).transform(x -> Future.failedFuture(err)));
        });
  }

  /**
   * Takes each key's row; answers, per use, whether it took it. A key used twice in one batch (Redis was down, so both
   * requests reached PostgreSQL) goes into the statement once — an upsert cannot touch a row twice — and its later use
   * is answered "not taken", as it would be one statement later.
   */
  private Future<List<Boolean>> take(List<KeyUse> uses) {
    Map<List<String>, KeyUse> first = new LinkedHashMap<>();
    uses.forEach(u -> first.putIfAbsent(List.of(u.userId(), u.key()), u));
    Collection<KeyUse> distinct = first.values();
    return pool.preparedQuery(OrderSql.BEGIN_KEYS).execute(Tuple.wrap(new Object[] {
            distinct.stream().map(KeyUse::userId).toArray(String[]::new),
            distinct.stream().map(KeyUse::key).toArray(String[]::new),
            distinct.stream().map(KeyUse::hash).toArray(String[]::new)}))
        .map(rs -> {
          Set<List<String>> taken = new HashSet<>();
          rs.forEach(r -> taken.add(List.of(r.getString(0), r.getString(1))));
          List<Boolean> out = new ArrayList<>(uses.size());
          uses.forEach(u -> {
            List<String> id = List.of(u.userId(), u.key());
            out.add(first.get(id) == u && taken.contains(id));
          });
          return out;
        });
  }

  /** Stores the final answer (PostgreSQL first: it is the one that must not be lost). */
  public Future<Void> complete(String userId, String key, String hash, int status, String body) {
    return pool.preparedQuery(OrderSql.COMPLETE_KEY).execute(Tuple.of(userId, key, status, body))
        .compose(x -> remember(userId, key, hash, status, body));
  }

  /** The final answer, already in PostgreSQL (stored with the order's last step): Redis only, for fast replays. */
  public Future<Void> remember(String userId, String key, String hash, int status, String body) {
    return redis.apply(Request.cmd(Command.SET).arg(keys.idempotency(userId, key))
        .arg("D|" + hash + "|" + status + "|" + body).arg("EX").arg(ttlSeconds)).otherwiseEmpty().mapEmpty();
  }

  /** Frees the key after a retryable failure, so the retry runs again. */
  public Future<Void> abandon(String userId, String key) {
    return pool.preparedQuery(OrderSql.ABANDON_KEY)
        .execute(Tuple.of(userId, key))
        .compose(x -> forgetMark(userId, key));
  }

  /** Takes this request's mark off Redis (a failure only leaves it to its 120 s expiry). */
  private Future<Void> forgetMark(String userId, String key) {
    return redis.apply(Request.cmd(Command.DEL).arg(keys.idempotency(userId, key))).otherwiseEmpty().mapEmpty();
  }

  /**
   * Deletes up to {@code max} keys completed longer than the answer is kept ({@code ttlSeconds}, as in Redis), and
   * keys left in flight that long by a dead process; answers how many went.
   */
  public static Future<Integer> expire(Pool pool, long ttlSeconds, int max) {
    return pool.preparedQuery(OrderSql.EXPIRE_KEYS)
        .execute(Tuple.of(ttlSeconds, max)).map(rs -> rs.rowCount());
  }

  private static ApiException conflict() {
    return new ApiException(ErrorCode.IDEMPOTENCY_CONFLICT, "this Idempotency-Key was used with a different body",
        new JsonObject());
  }

  private static ApiException inProgress() {
    return new ApiException(ErrorCode.REQUEST_IN_PROGRESS, "a request with this Idempotency-Key is still being processed",
        new JsonObject());
  }
}
