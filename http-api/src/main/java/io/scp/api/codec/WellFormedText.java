package io.scp.api.codec;

/**
 * Text from a JSON body must be Unicode. A JSON escape may name half of a surrogate pair alone
 * ({@code "\ud800"}); such a string cannot be written as UTF-8, so the entity holding it could
 * never persist its event. It is refused at the door, as protobuf refuses invalid UTF-8.
 */
public final class WellFormedText {
  private WellFormedText() {}

  /**
   * {@code text} itself; throws {@link DecodeException} naming {@code path} if it is not Unicode.
   */
  public static String require(String text, String path) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new DecodeException(path + " is not valid Unicode (an unpaired surrogate)");
      }
    }
    return text;
  }
}
