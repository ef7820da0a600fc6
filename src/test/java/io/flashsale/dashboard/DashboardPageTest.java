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
    String page = resource("dashboard/index.html") + resource("dashboard/dashboard.js");
    assertThat(page).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
        .doesNotContain("document.write");
    assertThat(page).contains("textContent");
    assertThat(page).as("the session lives in an HttpOnly cookie; no token in URLs or storage")
        .doesNotContain("?token=").doesNotContain("localStorage").doesNotContain("sessionStorage")
        .doesNotContain("document.cookie");
    assertThat(resource("dashboard/index.html")).as("no inline script: the page's CSP allows only its own file")
        .doesNotContain("<script>");
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = DashboardPageTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
