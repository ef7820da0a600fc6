package io.flashsale.infra;

import java.security.SecureRandom;

/** New ids for things we create (checkouts, orders): a prefix and 20 random base-62 characters. */
public final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private Ids() {
  }

  public static String random(String prefix) {
    char[] id = new char[20];
    for (int i = 0; i < id.length; i++) {
      id[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return prefix + new String(id);
  }
}
