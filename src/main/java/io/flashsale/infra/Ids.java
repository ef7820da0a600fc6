package io.flashsale.infra;

import java.security.SecureRandom;

/** New ids for things we create (checkouts, orders): a prefix and 20 random base-62 characters. */
public final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int LENGTH = 20;
  /** The largest multiple of 62 a byte reaches: bytes from here on would favour the first characters; drawn again. */
  private static final int UNBIASED_BELOW = 256 / ALPHABET.length * ALPHABET.length;

  private Ids() {
  }

  public static String random(String prefix) {
    // One draw of the generator per id, not one per character: each draw takes its lock and mixes its state (the
    // default on Linux, NativePRNG, runs a SHA-1 round per call), ~2 % of the app's CPU an order at 20 calls an id.
    char[] id = new char[LENGTH];
    byte[] bytes = new byte[LENGTH + 12];
    int filled = 0;
    while (filled < LENGTH) {
      RANDOM.nextBytes(bytes);
      for (int i = 0; i < bytes.length && filled < LENGTH; i++) {
        int b = bytes[i] & 0xFF;
        if (b < UNBIASED_BELOW) {
          id[filled++] = ALPHABET[b % ALPHABET.length];
        }
      }
    }
    return prefix + new String(id);
  }
}
