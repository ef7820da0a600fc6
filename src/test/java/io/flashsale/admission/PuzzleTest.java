package io.flashsale.admission;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The join puzzle is signed, bound to its event and user, expires, and needs real work")
class PuzzleTest {

  private static final String SECRET = "test-secret-of-at-least-thirty-two-characters";
  private final Puzzle puzzle = new Puzzle(new Signer(SECRET), new SplittableRandom(7));
  private final long now = 1_800_000_000_000L;

  @Test
  @DisplayName("A solved challenge passes; the solution really has the leading zero bits")
  void solved() {
    Puzzle.Challenge c = puzzle.issue("bf", "u1", 12, now + 60_000);
    String nonce = Puzzle.solve(c.text(), 12);
    Puzzle.Challenge back = puzzle.check(c.text(), nonce, "bf", "u1", now);
    assertThat(back.salt()).isEqualTo(c.salt());
    assertThat(back.expiresAtMillis()).isEqualTo(now + 60_000);
    assertThat(Puzzle.solves(c.text(), nonce, 12)).isTrue();
  }

  @Test
  @DisplayName("A wrong nonce, another user's or event's puzzle, a stale one and an altered one are all 400")
  void refused() {
    Puzzle.Challenge c = puzzle.issue("bf", "u1", 12, now + 60_000);
    String nonce = Puzzle.solve(c.text(), 12);
    String wrong = nonce + "x";
    while (Puzzle.solves(c.text(), wrong, 12)) {
      wrong = wrong + "x";
    }
    assertBadRequest(c.text(), wrong, "bf", "u1", now, "nonce");
    assertBadRequest(c.text(), nonce, "bf", "u2", now, "another event or user");
    assertBadRequest(c.text(), nonce, "other", "u1", now, "another event or user");
    assertBadRequest(c.text(), nonce, "bf", "u1", now + 60_000, "expired");
    // Lowering the difficulty in the text breaks the signature.
    String easier = c.text().replace(".12.", ".0.");
    assertBadRequest(easier, "", "bf", "u1", now, "not a puzzle this server issued");
    assertBadRequest("garbage", nonce, "bf", "u1", now, "not a puzzle this server issued");
    Puzzle other = new Puzzle(new Signer(SECRET + "-other"), new SplittableRandom(7));
    Puzzle.Challenge foreign = other.issue("bf", "u1", 0, now + 60_000);
    assertBadRequest(foreign.text(), "", "bf", "u1", now, "not a puzzle this server issued");
  }

  @Test
  @DisplayName("Zero bits asks for no work; leading zero bits are counted across bytes")
  void bits() {
    Puzzle.Challenge c = puzzle.issue("bf", "u1", 0, now + 60_000);
    assertThat(puzzle.check(c.text(), "", "bf", "u1", now).bits()).isZero();
    assertThat(Puzzle.leadingZeroBits(new byte[] {0, 0x10, 0})).isEqualTo(11);
    assertThat(Puzzle.leadingZeroBits(new byte[] {(byte) 0x80})).isZero();
    assertThat(Puzzle.leadingZeroBits(new byte[] {0, 0})).isEqualTo(16);
  }

  private void assertBadRequest(String text, String nonce, String event, String user, long at, String says) {
    assertThatThrownBy(() -> puzzle.check(text, nonce, event, user, at)).isInstanceOfSatisfying(ApiException.class,
        e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
          assertThat(e.getMessage()).contains(says);
        });
  }
}
