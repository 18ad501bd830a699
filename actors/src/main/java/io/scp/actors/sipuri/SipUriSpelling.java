package io.scp.actors.sipuri;

import java.util.Locale;

/**
 * One spelling per SIP identity (RFC 3261 §19.1.4): the host compares without case, and an escaped
 * unreserved character ({@code %61}) equals the character. Pools, slots and look-ups use this
 * spelling, so {@code sip:alice@EXAMPLE.com} and {@code sip:%61lice@example.com} are the URI {@code
 * sip:alice@example.com} — one slot, never lent twice. The user part keeps its case (it is
 * case-sensitive), parameters and headers stay as written, remaining escapes get upper-case hex.
 */
public final class SipUriSpelling {
  private SipUriSpelling() {}

  /**
   * The canonical spelling of a URI that already passed route validation (scheme, then printable
   * ASCII).
   */
  public static String canonical(String uri) {
    int colon = uri.indexOf(':');
    String scheme = uri.substring(0, colon + 1).toLowerCase(Locale.ROOT);
    String rest = uri.substring(colon + 1);
    int headers = indexOrEnd(rest, '?', 0);
    int at = rest.lastIndexOf('@', headers - 1);
    int hostStart = at + 1;
    int hostEnd = Math.min(indexOrEnd(rest, ';', hostStart), headers);
    String user = rest.substring(0, hostStart);
    String host = unescape(rest.substring(hostStart, hostEnd)).toLowerCase(Locale.ROOT);
    return scheme + unescape(user) + host + rest.substring(hostEnd);
  }

  private static int indexOrEnd(String s, char c, int from) {
    int i = s.indexOf(c, from);
    return i < 0 ? s.length() : i;
  }

  /** Unreserved characters unescaped; other escapes with upper-case hex digits. */
  private static String unescape(String part) {
    if (part.indexOf('%') < 0) return part;
    StringBuilder out = new StringBuilder(part.length());
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      int value = c == '%' && i + 2 < part.length() ? hex(part, i + 1) : -1;
      if (value < 0) {
        out.append(c);
      } else if (isUnreserved((char) value)) {
        out.append((char) value);
        i += 2;
      } else {
        out.append('%').append(part.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
        i += 2;
      }
    }
    return out.toString();
  }

  private static int hex(String s, int at) {
    int high = Character.digit(s.charAt(at), 16);
    int low = Character.digit(s.charAt(at + 1), 16);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
