package io.flashsale.admission;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The client address a per-address rate limit counts: the peer itself, or — when the peer is a trusted proxy (the
 * load balancer) — the first untrusted address of {@code X-Forwarded-For}, read from the right. Entries to the left of
 * that are the client's own words and are never believed.
 */
public final class ClientAddress {

  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private final List<byte[][]> trusted;

  /** {@code proxies}: comma-separated addresses or CIDR blocks ({@code 10.0.0.0/8}, {@code ::1}); empty trusts none. */
  public ClientAddress(String proxies) {
    List<byte[][]> blocks = new ArrayList<>();
    for (String raw : proxies == null ? new String[0] : proxies.split(",")) {
      String s = raw.trim();
      if (s.isEmpty()) {
        continue;
      }
      String[] cidr = s.split("/", 2);
      byte[] addr = parse(cidr[0]);
      if (addr == null) {
        throw new IllegalArgumentException("ratelimit.trustedProxies: '" + s + "' is not an IP address or CIDR block");
      }
      int bits = cidr.length == 2 ? Integer.parseInt(cidr[1].trim()) : addr.length * 8;
      if (bits < 0 || bits > addr.length * 8) {
        throw new IllegalArgumentException("ratelimit.trustedProxies: bad prefix length in '" + s + "'");
      }
      blocks.add(new byte[][] {addr, mask(addr.length, bits)});
    }
    this.trusted = List.copyOf(blocks);
  }

  /** {@code peer}: the socket's remote address; {@code forwardedFor}: every X-Forwarded-For header value, in order. */
  public String resolve(String peer, List<String> forwardedFor) {
    if (!isTrusted(peer) || forwardedFor == null || forwardedFor.isEmpty()) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String header : forwardedFor) {
      for (String hop : header.split(",")) {
        if (!hop.isBlank()) {
          hops.add(hop.trim());
        }
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      if (!isTrusted(hop)) {
        return hop.length() > 64 ? hop.substring(0, 64) : hop;
      }
    }
    return hops.isEmpty() ? peer : hops.get(0);
  }

  boolean isTrusted(String address) {
    byte[] a = parse(address);
    if (a == null) {
      return false;
    }
    for (byte[][] block : trusted) {
      byte[] net = block[0];
      byte[] mask = block[1];
      if (net.length != a.length) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < a.length && match; i++) {
        match = (a[i] & mask[i]) == (net[i] & mask[i]);
      }
      if (match) {
        return true;
      }
    }
    return false;
  }

  /** Only literals are parsed: a name in a header must never cause a DNS lookup. */
  private static byte[] parse(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    if (!IP_LITERAL.matcher(t).matches() || (t.indexOf(':') < 0 && !t.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
      return null;
    }
    try {
      return InetAddress.getByName(t).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] mask(int length, int bits) {
    byte[] m = new byte[length];
    for (int i = 0; i < length; i++) {
      int take = Math.max(0, Math.min(8, bits - i * 8));
      m[i] = (byte) (take == 0 ? 0 : 0xff << (8 - take));
    }
    return m;
  }
}
