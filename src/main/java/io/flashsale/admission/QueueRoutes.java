package io.flashsale.admission;

import io.flashsale.http.ApiException;
import io.flashsale.http.Auth;
import io.flashsale.http.ErrorCode;
import io.flashsale.http.JsonInput;
import io.flashsale.infra.Ids;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.Clock;
import java.time.Instant;
import java.util.Set;

/**
 * The waiting room's HTTP side (API.md, "Waiting room"): a shopper's puzzle, join and place; an operator's switches
 * and figures. Settings come from PostgreSQL through the {@link QueueRegistry}; the line itself is in Redis.
 */
public final class QueueRoutes {

  private final QueueRegistry registry;
  private final WaitingRoom rooms;
  private final Puzzle puzzle;
  private final AdmissionTokens tokens;
  private final Pool pool;
  private final AdmissionConfig config;
  private final Clock clock;

  public QueueRoutes(QueueRegistry registry, WaitingRoom rooms, AdmissionConfig config, Pool pool, Clock clock) {
    this.registry = registry;
    this.rooms = rooms;
    this.puzzle = config.puzzle();
    this.tokens = config.tokens();
    this.pool = pool;
    this.config = config;
    this.clock = clock;
  }

  public void mount(Router router, Auth auth) {
    router.get("/api/events/:eventId/queue/challenge").handler(auth.shopper()).handler(this::challenge);
    router.post("/api/events/:eventId/queue").handler(auth.shopper()).handler(this::join);
    router.get("/api/events/:eventId/queue/me").handler(auth.shopper()).handler(this::me);
    router.put("/admin/events/:eventId/queue").handler(this::control);
    router.get("/admin/events/:eventId/queue").handler(this::figures);
  }

  private void challenge(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
    Instant now = clock.instant();
    QueueRegistry.Room room = openLine(eventId, now);
    json(ctx, 200, puzzle.issue(eventId, caller.userId(), room.settings().powBits(),
        now.toEpochMilli() + 1000 * config.challengeTtlSeconds()).toJson());
  }

  private void join(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
    JsonInput body = JsonInput.parse(ctx.body().buffer()).allowOnly(Set.of("challenge", "nonce"));
    Instant now = clock.instant();
    QueueRegistry.Room room = openLine(eventId, now);
    Puzzle.Challenge solved;
    if (room.settings().powBits() == 0 && !body.has("challenge")) {
      // No puzzle: nothing to solve, nothing to mark as used (one ticket per user still holds).
      solved = new Puzzle.Challenge("", eventId, caller.userId(), 0, now.toEpochMilli() + 1000,
          Ids.random("none"));
    } else {
      String nonce = body.optionalString("nonce", 64, null);
      if (nonce == null) {
        throw ApiException.badRequest("'nonce' is required (the string that solves the puzzle)", "nonce");
      }
      solved = puzzle.check(body.string("challenge", 400), nonce, eventId, caller.userId(), now.toEpochMilli());
    }
    rooms.join(eventId, caller.userId(), Ids.random("qt_"), now.toEpochMilli(), solved.salt(), solved.expiresAtMillis())
        .compose(joined -> switch (joined.outcome()) {
          case "JOINED", "EXISTS" -> place(eventId, caller.userId(), now)
              .map(view -> new Answer("JOINED".equals(joined.outcome()) ? 201 : 200, view));
          case "REUSED" -> Future.failedFuture(new ApiException(ErrorCode.BAD_REQUEST,
              "this puzzle was already used: get a fresh one from GET /api/events/" + eventId + "/queue/challenge",
              new JsonObject().put("field", "challenge")));
          case "TOO_EARLY" -> Future.failedFuture(notOpenYet(eventId, joined.opensAtMillis()));
          case "CLOSED" -> Future.failedFuture(ended(eventId));
          // PostgreSQL says the room exists, Redis does not have it (yet, or any more): the next refresh brings it.
          default -> Future.failedFuture(ApiException.unavailable("the waiting room is being restored; retry in a"
              + " second"));
        })
        .onSuccess(a -> json(ctx, a.status(), a.body())).onFailure(ctx::fail);
  }

  private record Answer(int status, JsonObject body) {
  }

  private void me(RoutingContext ctx) {
    Auth.Caller caller = ctx.get(Auth.CALLER);
    String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
    place(eventId, caller.userId(), clock.instant()).onSuccess(view -> json(ctx, 200, view)).onFailure(ctx::fail);
  }

  /** The shopper's ticket as API.md shows it: state, position, estimated wait, when to ask again, the token. */
  private Future<JsonObject> place(String eventId, String userId, Instant now) {
    return rooms.status(eventId, userId, now.toEpochMilli()).compose(s -> {
      if ("NONE".equals(s.state())) {
        return Future.failedFuture(new ApiException(ErrorCode.NOT_FOUND, "you hold no ticket for event '" + eventId
            + "': join with POST /api/events/" + eventId + "/queue", new JsonObject().put("eventId", eventId)));
      }
      QueueRegistry.Room room = registry.room(eventId);
      int rate = room == null || !room.enabled() ? 0 : room.settings().admitPerMinute();
      JsonObject view = new JsonObject().put("ticketId", s.ticketId()).put("eventId", eventId).put("userId", userId)
          .put("joinedAt", Instant.ofEpochMilli(s.joinedAtMillis()).toString())
          .putNull("position").putNull("estimatedWaitSeconds").putNull("pollAfterSeconds").putNull("admissionToken");
      switch (s.state()) {
        case "WAITING" -> {
          long position = s.rank() + 1;
          long wait = QueueMath.estimatedWaitSeconds(position, rate);
          view.put("state", "WAITING").put("position", position).put("estimatedWaitSeconds", wait)
              .put("pollAfterSeconds", QueueMath.pollAfterSeconds(wait)).put("paused", s.paused());
        }
        case "PREQUEUE" -> {
          long untilStart = Math.max(0, (s.startsAtMillis() - now.toEpochMilli() + 999) / 1000);
          view.put("state", "PREQUEUE").put("estimatedWaitSeconds", untilStart)
              .put("pollAfterSeconds", Math.max(1, Math.min(30, untilStart)))
              .put("startsAt", Instant.ofEpochMilli(s.startsAtMillis()).toString());
        }
        case "ADMITTED" -> view.put("state", "ADMITTED").put("position", 0).put("estimatedWaitSeconds", 0)
            .put("admissionToken", tokens.issue(eventId, userId, s.expiresAtMillis(), s.generation()))
            .put("admissionExpiresAt", Instant.ofEpochMilli(s.expiresAtMillis()).toString());
        case "SOLD_OUT" -> view.put("state", "SOLD_OUT");
        case "DONE" -> view.put("state", "CLOSED").put("reason", "ADMISSION_EXPIRED");
        default -> view.put("state", "CLOSED").put("reason", "ENDED");
      }
      return Future.succeededFuture(view);
    });
  }

  private void control(RoutingContext ctx) {
    String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
    JsonInput body = JsonInput.parse(ctx.body().buffer())
        .allowOnly(Set.of("admitPerMinute", "maxActive", "paused", "queueAll"));
    JsonObject merge = new JsonObject();
    if (body.has("admitPerMinute")) {
      merge.put("admitPerMinute", body.intIn("admitPerMinute", 1, 10_000_000));
    }
    if (body.has("maxActive")) {
      merge.put("maxActive", body.intIn("maxActive", 0, 10_000_000));
    }
    if (body.has("paused")) {
      merge.put("paused", body.bool("paused"));
    }
    boolean queueAll = body.has("queueAll") && body.bool("queueAll");
    if (merge.isEmpty() && !body.has("queueAll")) {
      throw ApiException.badRequest("send at least one of admitPerMinute, maxActive, paused, queueAll", "body");
    }
    pool.preparedQuery(QueueSql.SWITCH).execute(Tuple.of(eventId, merge, queueAll))
        .compose(rows -> rows.size() == 0 ? missing(eventId) : Future.succeededFuture(Rooms.from(rows.iterator().next())))
        .compose(room -> {
          registry.put(room);
          // PostgreSQL has the switch: it is done. Should Redis not take it now, every instance's next refresh
          // brings it — answering 5xx here would invite a retry that bumps the generation twice.
          return rooms.sync(room, clock.millis()).map(room).otherwise(room);
        })
        .compose(room -> figuresOf(room).otherwise(figuresJson(room, new QueueRegistry.Figures(0, 0, 0, 0))))
        .onSuccess(view -> json(ctx, 200, view)).onFailure(ctx::fail);
  }

  private void figures(RoutingContext ctx) {
    String eventId = JsonInput.pathId(ctx.pathParam("eventId"), "eventId");
    pool.preparedQuery(QueueSql.ROOM).execute(Tuple.of(eventId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.<QueueRegistry.Room>failedFuture(ApiException.notFound("event", eventId));
      }
      QueueRegistry.Room room = Rooms.from(rows.iterator().next());
      return room.enabled() ? Future.succeededFuture(room) : Future.failedFuture(noRoom(eventId));
    }).compose(this::figuresOf).onSuccess(view -> json(ctx, 200, view)).onFailure(ctx::fail);
  }

  private Future<JsonObject> figuresOf(QueueRegistry.Room room) {
    return rooms.figures(room.eventId(), clock.millis()).map(f -> {
      registry.putFigures(room.eventId(), f);
      return figuresJson(room, f);
    });
  }

  /** An operator's view of one room: its settings and switches, and its figures now. */
  public static JsonObject figuresJson(QueueRegistry.Room room, QueueRegistry.Figures f) {
    int rate = room.settings().admitPerMinute();
    return new JsonObject().put("eventId", room.eventId()).put("waiting", f.waiting()).put("admitted", f.admitted())
        .put("active", f.active()).put("admittedLastMinute", f.admittedLastMinute())
        .put("estimatedWaitSeconds", QueueMath.estimatedWaitSeconds(f.waiting(), rate))
        .put("admitPerMinute", rate).put("maxActive", room.settings().maxActive()).put("paused", room.paused())
        .put("generation", room.generation()).put("startsAt", room.startsAt().toString())
        .put("endsAt", room.endsAt().toString());
  }

  private Future<QueueRegistry.Room> missing(String eventId) {
    return pool.preparedQuery(QueueSql.EVENT_EXISTS).execute(Tuple.of(eventId)).compose((RowSet<Row> r) ->
        Future.failedFuture(r.size() == 0 ? ApiException.notFound("event", eventId) : noRoom(eventId)));
  }

  /** The room of an event whose line can be joined now; otherwise 404 (no room) or 409 (not yet, or over). */
  private QueueRegistry.Room openLine(String eventId, Instant now) {
    QueueRegistry.Room room = registry.room(eventId);
    if (room == null || !room.enabled()) {
      throw noRoom(eventId);
    }
    if (!now.isBefore(room.endsAt())) {
      throw ended(eventId);
    }
    Instant opens = room.startsAt().minusSeconds(60L * room.settings().prequeueMinutes());
    if (now.isBefore(opens)) {
      throw notOpenYet(eventId, opens.toEpochMilli());
    }
    return room;
  }

  private static ApiException noRoom(String eventId) {
    return new ApiException(ErrorCode.NOT_FOUND, "event '" + eventId + "' runs no waiting room",
        new JsonObject().put("eventId", eventId));
  }

  private static ApiException ended(String eventId) {
    return new ApiException(ErrorCode.EVENT_NOT_OPEN, "event '" + eventId + "' has ended; its line is closed",
        new JsonObject().put("eventId", eventId));
  }

  private static ApiException notOpenYet(String eventId, long opensAtMillis) {
    String opens = Instant.ofEpochMilli(opensAtMillis).toString();
    return new ApiException(ErrorCode.EVENT_NOT_OPEN, "the line of event '" + eventId + "' opens at " + opens,
        new JsonObject().put("eventId", eventId).put("queueOpensAt", opens));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader("cache-control", "no-store").end(body.toBuffer());
  }
}
