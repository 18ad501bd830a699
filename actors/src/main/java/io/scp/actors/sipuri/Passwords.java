package io.scp.actors.sipuri;

import io.scp.actors.common.Secret;
import java.security.SecureRandom;

/** Generated SIP passwords: 20 characters from a 62-letter alphabet, about 119 bits. */
final class Passwords {
  static final int LENGTH = 20;
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  static Secret generate() {
    char[] password = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) password[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    return new Secret(new String(password));
  }
}
