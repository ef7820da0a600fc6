package io.flashsale.admission;

import io.flashsale.catalog.SaleEvent;
import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("An admission token admits its user to its event until it expires, and only in its generation")
class AdmissionTokensTest {

  private static final String SECRET = "test-secret-of-at-least-thirty-two-characters";
  private final AdmissionTokens tokens = new AdmissionTokens(new Signer(SECRET));
  private final Instant now = Instant.parse("2026-12-02T10:00:00Z");
  private final QueueRegistry registry = new QueueRegistry();
  private final AdmissionGate gate = new AdmissionGate(registry, tokens);

  AdmissionTokensTest() {
    registry.put(room("bf", 3));
    registry.put(room("cm", 0));
  }

  @Test
  @DisplayName("Round trip: what was issued is what is read")
  void roundTrip() {
    String t = tokens.issue("bf", "u1", 1234, 3);
    assertThat(tokens.read(t)).contains(new AdmissionTokens.Claims("bf", "u1", 1234, 3));
  }

  @Test
  @DisplayName("Forged, altered and foreign tokens read as nothing")
  void forged() {
    String t = tokens.issue("bf", "u1", 1234, 3);
    assertThat(tokens.read(t.replace(".u1.", ".u2."))).isEmpty();
    assertThat(tokens.read(t.replace(".1234.", ".9999999999999."))).isEmpty();
    assertThat(tokens.read(new AdmissionTokens(new Signer(SECRET + "x")).issue("bf", "u1", 1234, 3))).isEmpty();
    assertThat(tokens.read("a1.bf.u1.1234.3")).isEmpty();
    assertThat(tokens.read("")).isEmpty();
  }

  @Test
  @DisplayName("The gate: a live token of this user, event and generation passes; every other case is 403 with its reason")
  void gate() {
    long later = now.toEpochMilli() + 60_000;
    gate.require("u1", "bf", List.of(tokens.issue("bf", "u1", later, 3)), now);
    gate.require("u1", "bf", List.of(tokens.issue("cm", "u1", later, 0) + ", " + tokens.issue("bf", "u1", later, 3)), now);
    assertReason(List.of(), "MISSING");
    assertReason(List.of("junk"), "INVALID");
    assertReason(List.of(tokens.issue("bf", "u2", later, 3)), "OTHER_USER");
    assertReason(List.of(tokens.issue("cm", "u1", later, 0)), "OTHER_EVENT");
    assertReason(List.of(tokens.issue("bf", "u1", now.toEpochMilli(), 3)), "EXPIRED");
    assertReason(List.of(tokens.issue("bf", "u1", later, 2)), "REVOKED");
    assertThat(gate.guards("bf")).isTrue();
    assertThat(gate.guards("unknown")).isFalse();
  }

  private void assertReason(List<String> headers, String reason) {
    assertThatThrownBy(() -> gate.require("u1", "bf", headers, now)).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.ADMISSION_REQUIRED);
      assertThat(e.code().status()).isEqualTo(403);
      assertThat(e.details().getString("reason")).isEqualTo(reason);
    });
  }

  private QueueRegistry.Room room(String eventId, long generation) {
    return new QueueRegistry.Room(eventId, now.minusSeconds(60), now.plusSeconds(3600),
        new SaleEvent.Queue(true, 600, 0, 15, 600, 0), false, generation, 1, List.of("p1"));
  }
}
