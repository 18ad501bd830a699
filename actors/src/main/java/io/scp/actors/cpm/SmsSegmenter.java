package io.scp.actors.cpm;

import io.scp.actors.common.CborSerializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a text into SMS segments by the limits of its alphabet (3GPP TS 23.038 / 23.040).
 *
 * <p>GSM-7 when every character is in the default alphabet or its extension table: 160 septets in a
 * single message, 153 per part of a concatenated one (the user data header takes 7). Extension
 * characters ({@code ^ { } \ [ ~ ] | €} and form feed) are sent as escape + character, two septets,
 * and a pair is never split across parts. Any other character makes the whole text UCS-2: 70 UTF-16
 * units single, 67 per part; a surrogate pair (a character outside the BMP) counts two and is never
 * split.
 */
public final class SmsSegmenter {
  public static final int GSM7_SINGLE = 160;
  public static final int GSM7_PART = 153;
  public static final int UCS2_SINGLE = 70;
  public static final int UCS2_PART = 67;

  private static final String GSM7_BASIC =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  private static final String GSM7_EXTENSION = "\f^{}\\[~]|€";

  public enum Encoding {
    GSM7,
    UCS2
  }

  /** The parts in order; {@code units} is septets for GSM-7 and UTF-16 units for UCS-2. */
  public record Segmentation(Encoding encoding, int units, List<String> parts)
      implements CborSerializable {
    public int count() {
      return parts.size();
    }
  }

  private SmsSegmenter() {}

  public static Segmentation segment(String text) {
    return isGsm7(text) ? gsm7(text) : ucs2(text);
  }

  public static boolean isGsm7(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (septets(text.charAt(i)) == 0) return false;
    }
    return true;
  }

  /** Septets of one character: 1 in the basic table, 2 in the extension table, 0 if neither. */
  static int septets(char c) {
    if (GSM7_BASIC.indexOf(c) >= 0) return 1;
    if (GSM7_EXTENSION.indexOf(c) >= 0) return 2;
    return 0;
  }

  private static Segmentation gsm7(String text) {
    int total = 0;
    for (int i = 0; i < text.length(); i++) total += septets(text.charAt(i));
    if (total <= GSM7_SINGLE) return new Segmentation(Encoding.GSM7, total, List.of(text));
    List<String> parts = new ArrayList<>();
    int start = 0;
    int used = 0;
    for (int i = 0; i < text.length(); i++) {
      int width = septets(text.charAt(i));
      if (used + width > GSM7_PART) {
        parts.add(text.substring(start, i));
        start = i;
        used = 0;
      }
      used += width;
    }
    parts.add(text.substring(start));
    return new Segmentation(Encoding.GSM7, total, List.copyOf(parts));
  }

  private static Segmentation ucs2(String text) {
    int total = text.length();
    if (total <= UCS2_SINGLE) return new Segmentation(Encoding.UCS2, total, List.of(text));
    List<String> parts = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i < text.length()) {
      int width = Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length() ? 2 : 1;
      if (i + width - start > UCS2_PART) {
        parts.add(text.substring(start, i));
        start = i;
      }
      i += width;
    }
    parts.add(text.substring(start));
    return new Segmentation(Encoding.UCS2, total, List.copyOf(parts));
  }
}
