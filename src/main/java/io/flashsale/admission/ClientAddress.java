package io.flashsale.admission;

import io.netty.util.NetUtil;

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
      String hop = withoutPort(hops.get(i));
      if (!isTrusted(hop)) {
        return bucketOf(hop);
      }
    }
    return hops.isEmpty() ? peer : withoutPort(hops.get(0));
  }

  /** A balancer may append {@code ip:port} or {@code [v6]:port}: the port must not make a bucket of its own. */
  static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close > 0 ? hop.substring(1, close) : hop;
    }
    int colon = hop.indexOf(':');
    return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  /**
   * The bucket an address counts in: an IPv4 address itself; an IPv6 address by its /64 (one subscriber's network:
   * rotating addresses inside it must not escape the limit); anything else as written, at most 64 characters.
   */
  static String bucketOf(String hop) {
    byte[] a = parse(hop);
    if (a == null) {
      return hop.length() > 64 ? hop.substring(0, 64) : hop;
    }
    if (a.length == 4) {
      return hop;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      sb.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
    }
    return sb.append(":/64").toString();
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
    if (!IP_LITERAL.matcher(t).matches()) {
      return null;
    }
    // Netty's parser reads literals only (no resolver): a bad one is null, never a DNS query on the event loop.
    return NetUtil.createByteArrayFromIpAddressString(t);
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
