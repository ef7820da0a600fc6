package io.flashsale.admission;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Checkout's door to an event that runs a waiting room: a valid {@code X-Admission-Token} for this user and event, or
 * 403 ADMISSION_REQUIRED before anything is held. Decided in the process (signature, user, event, expiry, and the
 * room's generation from the {@link QueueRegistry}), without a round trip.
 */
public final class AdmissionGate {

  /** The request header that carries admission tokens (one per guarded event; repeat it, or separate by commas). */
  public static final String HEADER = "X-Admission-Token";

  private final QueueRegistry registry;
  private final AdmissionTokens tokens;

  public AdmissionGate(QueueRegistry registry, AdmissionTokens tokens) {
    this.registry = registry;
    this.tokens = tokens;
  }

  /** Whether a checkout that names this event, or holds an item of it while it is open, needs a token. */
  public boolean guards(String eventId) {
    return registry.guards(eventId);
  }

  /**
   * Whether this process knows which events run a waiting room. Until it has read them once, checkout cannot tell a
   * guarded event from another and answers 503 for any line in an open event (fail closed, not open).
   */
  public boolean ready() {
    return registry.loaded();
  }

  /** Passes when one of {@code headerValues} admits {@code userId} to {@code eventId} at {@code now}; else 403. */
  public void require(String userId, String eventId, List<String> headerValues, Instant now) {
    QueueRegistry.Room room = registry.room(eventId);
    String reason = "MISSING";
    for (String header : headerValues) {
      for (String raw : header.split(",")) {
        if (raw.isBlank()) {
          continue;
        }
        Optional<AdmissionTokens.Claims> read = tokens.read(raw.trim());
        String why = read.isEmpty() ? "INVALID" : judge(read.get(), userId, eventId, room, now);
        if (why == null) {
          return;
        }
        if (!"OTHER_EVENT".equals(why) || "MISSING".equals(reason)) {
          reason = why;
        }
      }
    }
    throw new ApiException(ErrorCode.ADMISSION_REQUIRED, message(reason, eventId),
        new JsonObject().put("eventId", eventId).put("reason", reason));
  }

  /** Null when the token admits; otherwise why not. */
  private static String judge(AdmissionTokens.Claims c, String userId, String eventId, QueueRegistry.Room room,
                              Instant now) {
    if (!c.eventId().equals(eventId)) {
      return "OTHER_EVENT";
    }
    if (!c.userId().equals(userId)) {
      return "OTHER_USER";
    }
    if (now.toEpochMilli() >= c.expiresAtMillis()) {
      return "EXPIRED";
    }
    if (room != null && c.generation() < room.generation()) {
      return "REVOKED";
    }
    return null;
  }

  private static String message(String reason, String eventId) {
    String join = " — join the line: POST /api/events/" + eventId + "/queue, then poll GET /api/events/" + eventId
        + "/queue/me until it shows your admissionToken, and send it as " + HEADER;
    return switch (reason) {
      case "INVALID" -> "the admission token is not one this server issued" + join;
      case "OTHER_USER" -> "the admission token was issued to another user" + join;
      case "OTHER_EVENT" -> "the admission token is for another event" + join;
      case "EXPIRED" -> "the admission token expired" + join;
      case "REVOKED" -> "the operator sent everyone back to the line; this admission token no longer counts" + join;
      default -> "event '" + eventId + "' runs a waiting room" + join;
    };
  }
}
