package io.flashsale.admission;

import java.util.Optional;

/**
 * Signed admission tokens: {@code a1.<eventId>.<userId>.<expiresAt ms>.<generation>.<signature>}. Bound to a user, an
 * event, an expiry and the waiting room's generation ("queue everyone" bumps it, and every older token is worthless).
 * Stateless: checkout verifies one without a round trip.
 */
public final class AdmissionTokens {

  private static final String PURPOSE = "admission";

  private final Signer signer;

  AdmissionTokens(Signer signer) {
    this.signer = signer;
  }

  /** What a token says, once its signature is verified. */
  public record Claims(String eventId, String userId, long expiresAtMillis, long generation) {
  }

  public String issue(String eventId, String userId, long expiresAtMillis, long generation) {
    String payload = "a1." + eventId + "." + userId + "." + expiresAtMillis + "." + generation;
    return payload + "." + signer.sign(PURPOSE, payload);
  }

  /** The claims of a token this server signed; empty for anything else (malformed, forged, altered). */
  public Optional<Claims> read(String token) {
    if (token == null || token.length() > 300) {
      return Optional.empty();
    }
    String[] parts = token.trim().split("\\.", -1);
    if (parts.length != 6 || !"a1".equals(parts[0])) {
      return Optional.empty();
    }
    String payload = token.trim().substring(0, token.trim().lastIndexOf('.'));
    if (!signer.verify(PURPOSE, payload, parts[5])) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Claims(parts[1], parts[2], Long.parseLong(parts[3]), Long.parseLong(parts[4])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
