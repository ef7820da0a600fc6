package io.flashsale.dashboard;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The dashboard page")
class DashboardPageTest {

  @Test
  @DisplayName("never turns data into HTML: product names (typed by admins, shown to an admin session) stay text")
  void noHtmlSinks() throws Exception {
    String page;
    try (InputStream in = DashboardPageTest.class.getClassLoader().getResourceAsStream("dashboard/index.html")) {
      page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(page).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
        .doesNotContain("document.write");
    assertThat(page).contains("textContent");
  }
}
