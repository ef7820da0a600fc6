package io.flashsale.admission;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * HMAC-SHA256 signatures of the waiting room's stateless strings (puzzles, admission tokens). Each kind of string
 * signs under its own purpose, so a signature of one kind never verifies as another.
 */
final class Signer {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final byte[] key;

  Signer(String secret) {
    if (secret == null || secret.length() < 32) {
      throw new IllegalArgumentException("the admission secret must be at least 32 characters");
    }
    this.key = secret.getBytes(StandardCharsets.UTF_8);
  }

  /** 128 bits of HMAC-SHA256 over {@code purpose|payload}, base64url (22 characters). */
  String sign(String purpose, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] full = mac.doFinal((purpose + "|" + payload).getBytes(StandardCharsets.UTF_8));
      byte[] half = new byte[16];
      System.arraycopy(full, 0, half, 0, 16);
      return B64.encodeToString(half);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time: how much of a forged signature matched must not show in the answer's timing. */
  boolean verify(String purpose, String payload, String signature) {
    return MessageDigest.isEqual(sign(purpose, payload).getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII));
  }
}
