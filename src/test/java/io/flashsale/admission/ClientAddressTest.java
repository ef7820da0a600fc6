package io.flashsale.admission;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The client address is the first untrusted hop of X-Forwarded-For, and only behind a trusted proxy")
class ClientAddressTest {

  @Test
  @DisplayName("Without trusted proxies the header is ignored: a client cannot pick its own bucket")
  void noProxy() {
    ClientAddress a = new ClientAddress("");
    assertThat(a.resolve("203.0.113.9", List.of("1.2.3.4"))).isEqualTo("203.0.113.9");
  }

  @Test
  @DisplayName("Behind the balancer: read from the right, skip trusted hops, believe nothing to the left")
  void behindBalancer() {
    ClientAddress a = new ClientAddress("10.0.0.0/8, ::1");
    assertThat(a.resolve("10.0.0.5", List.of("198.51.100.7"))).isEqualTo("198.51.100.7");
    assertThat(a.resolve("10.0.0.5", List.of("6.6.6.6, 198.51.100.7, 10.1.2.3"))).isEqualTo("198.51.100.7");
    assertThat(a.resolve("::1", List.of("6.6.6.6", "198.51.100.7"))).isEqualTo("198.51.100.7");
    assertThat(a.resolve("10.0.0.5", List.of("10.0.0.6"))).isEqualTo("10.0.0.6");
    assertThat(a.resolve("10.0.0.5", List.of())).isEqualTo("10.0.0.5");
    assertThat(a.resolve("198.51.100.1", List.of("6.6.6.6"))).isEqualTo("198.51.100.1");
  }

  @Test
  @DisplayName("A port appended by the balancer is dropped, and IPv6 clients count by their /64")
  void portsAndPrefixes() {
    ClientAddress a = new ClientAddress("10.0.0.0/8");
    assertThat(a.resolve("10.0.0.5", List.of("198.51.100.7:51234"))).isEqualTo("198.51.100.7");
    assertThat(a.resolve("10.0.0.5", List.of("[2001:db8:1:2:aaaa::1]:443"))).isEqualTo("2001:db8:1:2::/64");
    assertThat(a.resolve("10.0.0.5", List.of("2001:db8:1:2:bbbb::9"))).isEqualTo("2001:db8:1:2::/64");
  }

  @Test
  @DisplayName("Names are never looked up, and a bad setting is refused at start")
  void literalsOnly() {
    ClientAddress a = new ClientAddress("10.0.0.0/8");
    assertThat(a.isTrusted("localhost")).isFalse();
    assertThat(a.resolve("10.0.0.5", List.of("evil.example"))).isEqualTo("evil.example");
    assertThat(a.isTrusted("999.999.999.999")).isFalse();
    assertThatThrownBy(() -> new ClientAddress("balancer.internal")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ClientAddress("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
  }
}
