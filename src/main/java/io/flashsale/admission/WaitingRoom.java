package io.flashsale.admission;

import io.flashsale.inventory.StockCache;

import io.flashsale.infra.LuaScript;
import io.flashsale.infra.RedisKeys;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A waiting room's state in Redis, shared by every instance: the line, the tickets, the admissions and the pace. Every
 * change is one Lua script over keys of one hash tag per event, reading one clock: the Redis server's (or, in tests,
 * the time passed in, so the rules run the same under a simulated minute).
 */
public final class WaitingRoom {

  private static final LuaScript SYNC = LuaScript.load("queue_sync.lua");
  private static final LuaScript JOIN = LuaScript.load("queue_join.lua");
  private static final LuaScript STATUS = LuaScript.load("queue_status.lua");
  private static final LuaScript ADMIT = LuaScript.load("queue_admit.lua");
  private static final LuaScript FIGURES = LuaScript.load("queue_figures.lua");
  /** Pre-queue places are drawn from [0, 2^52); after the start places are 2^52 + arrival number. */
  private static final int PLACE_BITS = 52;

  private final Function<Request, Future<Response>> redis;
  private final RedisKeys keys;
  private final RandomGenerator random;
  private final boolean serverClock;

  /**
   * {@code serverClock}: every rule reads the Redis server's clock (one clock for all instances; what the app runs
   * with), and the {@code nowMillis} arguments are ignored; false: they are the time (tests simulate a minute).
   */
  public WaitingRoom(Function<Request, Future<Response>> redis, RedisKeys keys, RandomGenerator random,
                     boolean serverClock) {
    this.redis = redis;
    this.keys = keys;
    this.random = random;
    this.serverClock = serverClock;
  }

  private Object now(long nowMillis) {
    return serverClock ? "" : nowMillis;
  }

  /** What a join did: {@code JOINED}, {@code EXISTS}, {@code NO_QUEUE}, {@code TOO_EARLY}, {@code CLOSED}, {@code REUSED}. */
  public record Join(String outcome, String ticketId, long joinedAtMillis, long opensAtMillis) {
  }

  /**
   * Where a shopper stands: {@code state} one of NONE, CLOSED, ADMITTED, DONE, SOLD_OUT, PREQUEUE, WAITING;
   * {@code rank} (0-based, WAITING), {@code startsAtMillis} (PREQUEUE), {@code expiresAtMillis} and
   * {@code generation} (ADMITTED), {@code paused} (WAITING).
   */
  public record Status(String state, String ticketId, long joinedAtMillis, long rank, long startsAtMillis,
                       long expiresAtMillis, long generation, boolean paused) {
  }

  /** Writes PostgreSQL's settings of a room when Redis has an older version; a newer generation re-queues. */
  public Future<Boolean> sync(QueueRegistry.Room room, long nowMillis) {
    var s = room.settings();
    boolean on = room.enabled();
    List<Object> args = List.of(room.version(), on ? 1 : 0, room.startsAt().toEpochMilli(), room.endsAt().toEpochMilli(),
        on ? s.admitPerMinute() : 0, on ? s.maxActive() : 0, on ? 60_000L * s.prequeueMinutes() : 0,
        on ? 1_000L * s.admissionTtlSeconds() : 0, on ? s.powBits() : 0, room.paused() ? 1 : 0, room.generation(),
        now(nowMillis));
    String e = room.eventId();
    return SYNC.run(redis, List.of(key(e, "cfg"), key(e, "waiting"), key(e, "admitted"), key(e, "active"),
        key(e, "seq")), args).map(r -> r.toLong() == 1);
  }

  /** Joins the line, or answers the ticket the shopper already holds; the puzzle's mark makes a solution single-use. */
  public Future<Join> join(String eventId, String userId, String newTicketId, long nowMillis, String puzzleSalt,
                           long puzzleExpiresAtMillis) {
    long place = random.nextLong() >>> (64 - PLACE_BITS);
    return JOIN.run(redis, List.of(key(eventId, "cfg"), key(eventId, "tickets"), key(eventId, "waiting"),
        key(eventId, "seq"), key(eventId, "admitted"), keys.queuePuzzleUsed(eventId, puzzleSalt)),
        List.of(userId, newTicketId, now(nowMillis), place, puzzleExpiresAtMillis)).map(r -> {
          String outcome = r.get(0).toString();
          if (r.size() < 2) {
            return new Join(outcome, null, 0, 0);
          }
          if ("TOO_EARLY".equals(outcome)) {
            return new Join(outcome, null, 0, r.get(1).toLong());
          }
          String[] ticket = r.get(1).toString().split("\\|");
          return new Join(outcome, ticket[0], Long.parseLong(ticket[1]), 0);
        });
  }

  public Future<Status> status(String eventId, String userId, long nowMillis) {
    return STATUS.run(redis, List.of(key(eventId, "cfg"), key(eventId, "tickets"), key(eventId, "waiting"),
        key(eventId, "admitted")), List.of(userId, now(nowMillis))).map(r -> {
          String state = r.get(0).toString();
          if (r.size() < 2) {
            return new Status(state, null, 0, 0, 0, 0, 0, false);
          }
          String[] ticket = r.get(1).toString().split("\\|");
          String id = ticket[0];
          long joined = Long.parseLong(ticket[1]);
          return switch (state) {
            case "ADMITTED" -> new Status(state, id, joined, 0, 0, r.get(2).toLong(), r.get(3).toLong(), false);
            case "PREQUEUE" -> new Status(state, id, joined, 0, r.get(2).toLong(), 0, 0, false);
            case "WAITING" -> new Status(state, id, joined, r.get(2).toLong(), 0, 0, 0, "1".equals(r.get(3).toString()));
            default -> new Status(state, id, joined, 0, 0, 0, 0, false);
          };
        });
  }

  /**
   * Admits what the pace allows at {@code nowMillis}, at most {@code max}; {@code soldOut} (null = unknown) is recorded
   * first, and a sold-out room admits nobody. Answers {admitted, still waiting}.
   */
  public Future<long[]> admit(String eventId, long nowMillis, int max, Boolean soldOut) {
    return ADMIT.run(redis, List.of(key(eventId, "cfg"), key(eventId, "pace"), key(eventId, "waiting"),
        key(eventId, "admitted"), key(eventId, "active"), key(eventId, "admits")),
        List.of(now(nowMillis), max, soldOut == null ? "" : soldOut ? "1" : "0"))
        .map(r -> new long[] {r.get(0).toLong(), r.get(1).toLong()});
  }

  public Future<QueueRegistry.Figures> figures(String eventId, long nowMillis) {
    return FIGURES.run(redis, List.of(key(eventId, "cfg"), key(eventId, "waiting"), key(eventId, "admitted"),
        key(eventId, "active"), key(eventId, "admits")), List.of(now(nowMillis)))
        .map(r -> new QueueRegistry.Figures(r.get(0).toLong(), r.get(1).toLong(), r.get(2).toLong(), r.get(3).toLong()));
  }

  /**
   * Whether every product of the event is sold or held: each one's available count in the inventory is 0. Null when
   * that is not known (the inventory is not in Redis, or a product is missing from it).
   */
  public Future<Boolean> soldOut(List<String> productIds) {
    if (productIds.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return StockCache.availableOf(redis, keys, productIds).map(units -> {
      for (Long u : units) {
        if (u == null) {
          return null;
        }
        if (u > 0) {
          return false;
        }
      }
      return true;
    });
  }

  /** Deletes every key of a room (tests and benches start from an empty line). */
  public Future<Void> clear(String eventId) {
    Request del = Request.cmd(Command.DEL);
    for (String part : List.of("cfg", "pace", "tickets", "waiting", "admitted", "active", "admits", "seq")) {
      del.arg(key(eventId, part));
    }
    return redis.apply(del).mapEmpty();
  }

  private String key(String eventId, String part) {
    return keys.queue(eventId, part);
  }
}
