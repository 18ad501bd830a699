package io.scp.actors.common;

/**
 * Whether a Java string is Unicode text. A string may hold half of a surrogate pair alone (a JSON
 * escape such as {@code "\ud800"} makes one); it cannot be written as UTF-8, so an event holding it
 * could never be persisted. Text from outside (requests, platforms' answers) is checked before it
 * reaches an entity.
 */
public final class Unicode {
  private Unicode() {}

  /** True unless {@code text} holds a surrogate that is not half of a pair. */
  public static boolean isWellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
