package io.flashsale.admission;

import io.flashsale.http.ApiException;
import io.flashsale.http.ErrorCode;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The proof-of-work a shopper solves to join a waiting room: find a {@code nonce} so that SHA-256 of
 * {@code challenge + nonce} starts with {@code bits} zero bits. The challenge is stateless and signed; it names the
 * event, the user and its expiry, so a solution is worth one join of one user, for a short while.
 * Text: {@code p1.<eventId>.<userId>.<bits>.<expiresAt ms>.<salt>.<signature>} (ids never contain a dot).
 */
public final class Puzzle {

  private static final String PURPOSE = "puzzle";
  private static final Pattern NONCE = Pattern.compile("[\\x21-\\x7e]{0,64}");
  private static final char[] SALT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".toCharArray();

  private final Signer signer;
  private final RandomGenerator random;

  Puzzle(Signer signer, RandomGenerator random) {
    this.signer = signer;
    this.random = random;
  }

  /** A challenge as issued, and as read back from a join. */
  public record Challenge(String text, String eventId, String userId, int bits, long expiresAtMillis, String salt) {
    public JsonObject toJson() {
      return new JsonObject().put("challenge", text).put("bits", bits)
          .put("expiresAt", java.time.Instant.ofEpochMilli(expiresAtMillis).toString());
    }
  }

  public Challenge issue(String eventId, String userId, int bits, long expiresAtMillis) {
    char[] salt = new char[16];
    for (int i = 0; i < salt.length; i++) {
      salt[i] = SALT_CHARS[random.nextInt(SALT_CHARS.length)];
    }
    String payload = "p1." + eventId + "." + userId + "." + bits + "." + expiresAtMillis + "." + new String(salt);
    return new Challenge(payload + "." + signer.sign(PURPOSE, payload), eventId, userId, bits, expiresAtMillis,
        new String(salt));
  }

  /**
   * The challenge, when {@code nonce} solves it for this event and user before it expires; otherwise a 400 that says
   * which of those failed (nothing is secret about which).
   */
  public Challenge check(String text, String nonce, String eventId, String userId, long nowMillis) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 7 || !"p1".equals(parts[0])) {
      throw wrong("'challenge' is not a puzzle this server issued", "challenge");
    }
    String payload = text.substring(0, text.lastIndexOf('.'));
    if (!signer.verify(PURPOSE, payload, parts[6])) {
      throw wrong("'challenge' is not a puzzle this server issued", "challenge");
    }
    if (!parts[1].equals(eventId) || !parts[2].equals(userId)) {
      throw wrong("this puzzle was issued for another event or user: get your own from .../queue/challenge",
          "challenge");
    }
    int bits = Integer.parseInt(parts[3]);
    long expires = Long.parseLong(parts[4]);
    if (nowMillis >= expires) {
      throw wrong("this puzzle expired: get a fresh one from .../queue/challenge", "challenge");
    }
    if (nonce == null || !NONCE.matcher(nonce).matches()) {
      throw wrong("'nonce' must be a string of at most 64 printable ASCII characters", "nonce");
    }
    if (!solves(text, nonce, bits)) {
      throw wrong("'nonce' does not solve the puzzle: SHA-256(challenge + nonce) must start with " + bits
          + " zero bits", "nonce");
    }
    return new Challenge(text, eventId, userId, bits, expires, parts[5]);
  }

  /** Whether SHA-256 of {@code challenge + nonce} (UTF-8) starts with {@code bits} zero bits. */
  public static boolean solves(String challenge, String nonce, int bits) {
    return leadingZeroBits(sha256((challenge + nonce).getBytes(StandardCharsets.UTF_8))) >= bits;
  }

  /** What a client does: counts up until a nonce solves it (2^bits tries on average). */
  public static String solve(String challenge, int bits) {
    MessageDigest sha = digest();
    byte[] prefix = challenge.getBytes(StandardCharsets.UTF_8);
    for (long n = 0; ; n++) {
      String nonce = Long.toString(n, 36);
      sha.reset();
      sha.update(prefix);
      if (leadingZeroBits(sha.digest(nonce.getBytes(StandardCharsets.UTF_8))) >= bits) {
        return nonce;
      }
    }
  }

  static int leadingZeroBits(byte[] hash) {
    int bits = 0;
    for (byte b : hash) {
      if (b == 0) {
        bits += 8;
        continue;
      }
      return bits + Integer.numberOfLeadingZeros(b & 0xff) - 24;
    }
    return bits;
  }

  private static byte[] sha256(byte[] in) {
    return digest().digest(in);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ApiException wrong(String message, String field) {
    return new ApiException(ErrorCode.BAD_REQUEST, message, new JsonObject().put("field", field));
  }
}
