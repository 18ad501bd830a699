package io.scp.api.codec;

import io.scp.actors.common.Unicode;

/**
 * Text from a JSON body must be Unicode ({@link Unicode}): a string with an unpaired surrogate is
 * refused at the door, as protobuf refuses invalid UTF-8.
 */
public final class WellFormedText {
  private WellFormedText() {}

  /**
   * {@code text} itself; throws {@link DecodeException} naming {@code path} if it is not Unicode.
   */
  public static String require(String text, String path) {
    if (!Unicode.isWellFormed(text)) {
      throw new DecodeException(path + " is not valid Unicode (an unpaired surrogate)");
    }
    return text;
  }
}
