package io.flashsale.admission;

import io.flashsale.catalog.SaleEvent;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process's copy of every waiting room's settings, refreshed from PostgreSQL each second by the
 * {@link AdmissionVerticle} and at once by an operator's switch on this instance; read by checkout (without a round
 * trip) to know which events demand an admission token and which generation of token counts.
 */
public final class QueueRegistry {

  /** One event's waiting room as PostgreSQL has it; {@code settings} is null when the event has none (any more). */
  public record Room(String eventId, Instant startsAt, Instant endsAt, SaleEvent.Queue settings, boolean paused,
                     long generation, long version, List<String> productIds) {

    public boolean enabled() {
      return settings != null && settings.enabled();
    }

    /** Whether shoppers may be in its line at {@code now}: from the pre-queue's opening to the end. */
    public boolean lineOpenAt(Instant now) {
      return enabled() && now.isBefore(endsAt)
          && !now.isBefore(startsAt.minusSeconds(60L * settings.prequeueMinutes()));
    }
  }

  /** The operator's figures of one room, as last measured. */
  public record Figures(long waiting, long admitted, long active, long admittedLastMinute) {
  }

  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  private final Map<String, Figures> figures = new ConcurrentHashMap<>();
  private volatile boolean loaded;

  /** Marks the registry as holding every room PostgreSQL had (after the first complete read). */
  public void markLoaded() {
    loaded = true;
  }

  public boolean loaded() {
    return loaded;
  }

  /** Keeps the newer of what is known and {@code room} (by its version). */
  public void put(Room room) {
    rooms.merge(room.eventId(), room, (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
  }

  public Room room(String eventId) {
    return rooms.get(eventId);
  }

  /** Whether a checkout touching this event needs an admission token. */
  public boolean guards(String eventId) {
    Room r = rooms.get(eventId);
    return r != null && r.enabled();
  }

  public Collection<Room> rooms() {
    return rooms.values();
  }

  public void retainOnly(Collection<String> eventIds) {
    rooms.keySet().retainAll(eventIds);
    figures.keySet().retainAll(eventIds);
  }

  public void putFigures(String eventId, Figures f) {
    figures.put(eventId, f);
  }

  public Figures figures(String eventId) {
    return figures.get(eventId);
  }
}
