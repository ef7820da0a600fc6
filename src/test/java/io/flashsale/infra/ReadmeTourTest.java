package io.flashsale.infra;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("README's walkthrough")
class ReadmeTourTest {

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/tour"))) {
      p = p.getParent();
    }
    return p;
  }

  @Test
  @DisplayName("is scripts/tour's walkthrough block, line for line (scripts/test runs the script against an instance)")
  void readmeIsTheTour() throws Exception {
    String tour = Files.readString(root().resolve("scripts/tour"));
    String readme = Files.readString(root().resolve("README.md"));
    String begin = "# --- walkthrough";
    String end = "# --- end of walkthrough ---";
    String block = tour.substring(tour.indexOf(begin), tour.indexOf(end) + end.length());
    String section = readme.substring(readme.indexOf("<!-- tour:begin -->"), readme.indexOf("<!-- tour:end -->"));
    assertThat(section).contains(block);
  }
}
