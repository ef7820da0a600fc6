package io.flashsale.inventory;

import io.flashsale.support.MutableClock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The sold-out board")
class SoldOutBoardTest {

  @Test
  @DisplayName("a flag counts for its TTL only, so a lost 'available' costs at most that long")
  void flagsExpire() {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
    SoldOutBoard board = new SoldOutBoard(clock, 2_000);
    board.markSoldOut("p1");
    assertThat(board.isSoldOut("p1")).isTrue();
    clock.advance(Duration.ofMillis(1_999));
    assertThat(board.isSoldOut("p1")).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(board.isSoldOut("p1")).isFalse();
  }

  @Test
  @DisplayName("applies the stock channel's messages: soldout|p, available|p, reset; ignores what it cannot read")
  void appliesMessages() {
    SoldOutBoard board = new SoldOutBoard(new MutableClock(Instant.EPOCH), 60_000);
    board.apply("soldout|p1");
    board.apply("soldout|p2");
    assertThat(board.isSoldOut("p1")).isTrue();
    board.apply("available|p1");
    assertThat(board.isSoldOut("p1")).isFalse();
    assertThat(board.isSoldOut("p2")).isTrue();
    board.apply("garbage");
    assertThat(board.isSoldOut("p2")).isTrue();
    board.apply("reset");
    assertThat(board.isSoldOut("p2")).isFalse();
  }
}
