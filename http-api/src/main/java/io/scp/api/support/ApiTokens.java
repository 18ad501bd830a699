package io.scp.api.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer tokens of {@code SCP_API_TOKENS} ("operator=T1,frontend=T2"; a role may be listed more
 * than once). Without tokens, authentication is off and the node serves loopback only.
 */
public final class ApiTokens {
  private final Map<String, Role> roleByToken;

  private ApiTokens(Map<String, Role> roleByToken) {
    this.roleByToken = roleByToken;
  }

  public static ApiTokens parse(String spec) {
    Map<String, Role> roles = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) return new ApiTokens(roles);
    for (String entry : spec.split(",")) {
      String[] parts = entry.trim().split("=", 2);
      if (parts.length != 2 || parts[1].isBlank()) {
        throw new IllegalArgumentException(
            "SCP_API_TOKENS must look like operator=TOKEN,frontend=TOKEN");
      }
      Role role;
      try {
        role = Role.valueOf(parts[0].trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        role = null;
      }
      if (role == null || role == Role.ANY) {
        throw new IllegalArgumentException(
            "unknown role '" + parts[0].trim() + "' in SCP_API_TOKENS (operator or frontend)");
      }
      Role before = roles.put(parts[1].trim(), role);
      if (before != null && before != role) {
        // One token cannot be both: whichever came last would win, silently.
        throw new IllegalArgumentException(
            "SCP_API_TOKENS gives one token two roles; an operator token may do everything");
      }
    }
    return new ApiTokens(roles);
  }

  public boolean enabled() {
    return !roleByToken.isEmpty();
  }

  /** The role of a presented token; compared in constant time against every configured token. */
  public Optional<Role> roleOf(String presented) {
    if (presented == null) return Optional.empty();
    byte[] given = presented.getBytes(StandardCharsets.UTF_8);
    Role found = null;
    for (var entry : roleByToken.entrySet()) {
      if (MessageDigest.isEqual(given, entry.getKey().getBytes(StandardCharsets.UTF_8))) {
        found = entry.getValue();
      }
    }
    return Optional.ofNullable(found);
  }
}
