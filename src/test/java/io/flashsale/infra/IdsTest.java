package io.flashsale.infra;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Ids: a prefix and 20 base-62 characters, every character equally likely")
class IdsTest {

  private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  @Test
  @DisplayName("The shape, no repeat in 100,000, and no character favoured (chi-square over 2,000,000 characters)")
  void shapeAndSpread() {
    long[] seen = new long[ALPHABET.length()];
    Set<String> ids = new HashSet<>();
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      String id = Ids.random("o-");
      assertThat(id).hasSize(22).startsWith("o-");
      for (char ch : id.substring(2).toCharArray()) {
        int at = ALPHABET.indexOf(ch);
        assertThat(at).as("'%s' in %s", ch, id).isNotNegative();
        seen[at]++;
      }
      ids.add(id);
    }
    assertThat(ids).hasSize(n);
    double expected = n * 20.0 / ALPHABET.length();
    double chiSquare = 0;
    for (long count : seen) {
      chiSquare += (count - expected) * (count - expected) / expected;
    }
    // 61 degrees of freedom: mean 61, standard deviation 11; 150 is past one chance in a billion. A byte taken
    // modulo 62 without redrawing would put the first 8 characters 25 % ahead: a chi-square in the thousands.
    assertThat(chiSquare).isLessThan(150);
  }
}
