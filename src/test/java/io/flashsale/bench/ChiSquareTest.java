package io.flashsale.bench;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@DisplayName("The chi-square p-value matches published tables, and tells even counts from skewed ones")
class ChiSquareTest {

  @Test
  @DisplayName("Critical values of standard tables give their p: 3.841 at 1 df → 0.05, 16.919 at 9 → 0.05, 21.666 at 9 → 0.01")
  void tables() {
    assertThat(ChiSquare.pValue(3.841, 1)).isCloseTo(0.05, within(1e-4));
    assertThat(ChiSquare.pValue(16.919, 9)).isCloseTo(0.05, within(1e-4));
    assertThat(ChiSquare.pValue(21.666, 9)).isCloseTo(0.01, within(1e-4));
    assertThat(ChiSquare.pValue(124.342, 100)).isCloseTo(0.05, within(1e-4));
    assertThat(ChiSquare.pValue(0, 4)).isEqualTo(1.0);
    assertThat(ChiSquare.logGamma(5)).isCloseTo(Math.log(24), within(1e-12));
  }

  @Test
  @DisplayName("A perfectly even table has p = 1; one where each item keeps its place has p ≈ 0")
  void evenAndSkewed() {
    long[][] even = {{10, 10, 10}, {10, 10, 10}, {10, 10, 10}};
    assertThat(ChiSquare.uniformTable(even).pValue()).isCloseTo(1.0, within(1e-9));
    long[][] kept = {{30, 0, 0}, {0, 30, 0}, {0, 0, 30}};
    ChiSquare.Result r = ChiSquare.uniformTable(kept);
    assertThat(r.degreesOfFreedom()).isEqualTo(4);
    assertThat(r.pValue()).isLessThan(1e-30);
  }
}
