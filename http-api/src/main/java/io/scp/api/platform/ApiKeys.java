package io.scp.api.platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Platform API keys: 256 random bits from {@link SecureRandom}, shown to the operator once. Only
 * the SHA-256 hash of a key is stored (a key has full entropy, so a plain hash cannot be reversed
 * by guessing) and used as the id of the key's index entry.
 */
public final class ApiKeys {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_KEY_LENGTH = 200;

  private ApiKeys() {}

  public static String newKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "vacp_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Lower-case hex SHA-256 of the key. */
  public static String hash(String key) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** Whether a presented value can be a key at all (so absurd values cost no lookup). */
  public static boolean plausible(String presented) {
    return presented != null && !presented.isEmpty() && presented.length() <= MAX_KEY_LENGTH;
  }
}
