package io.scp.actors.cpm;

import io.scp.actors.sipuri.SipUriSpelling;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * CPM addresses and their canonical form, which keys the user's mailbox.
 *
 * <ul>
 *   <li>A telephone number ({@code 8613800000001}, {@code +8613800000001} or {@code
 *       tel:+86-138-0000-0001}) becomes its 5-15 digits, the MSISDN form used everywhere else in
 *       the API. Such an address can be reached by SMS when it is not a CPM user.
 *   <li>A {@code sip:}/{@code sips:} URI takes the one spelling a SIP identity has everywhere in
 *       the SCP ({@link SipUriSpelling}: scheme and host lower-cased), so a message from a SIP-URI
 *       lent from a pool names the pool's URI.
 *   <li>Any other token of URI characters ({@code im:bob@example.com}, {@code alice}) is kept as
 *       given.
 * </ul>
 *
 * Anything else (blank, spaces, '/', '?', '#', '%', longer than 256 characters, a digit string that
 * is not 5-15 digits, a token that does not start with a letter or digit) is not an address.
 */
public final class CpmAddress {
  public static final int MAX_LENGTH = 256;

  private static final Pattern PHONE = Pattern.compile("\\+?([0-9]{5,15})");
  private static final Pattern DIGITS_ONLY = Pattern.compile("\\+?[0-9]+");
  private static final Pattern TEL_SEPARATORS = Pattern.compile("[-.()]");
  private static final Pattern URI_CHARS = Pattern.compile("[A-Za-z0-9._~:@!$&'*+,;=-]+");

  private CpmAddress() {}

  /** The canonical form of {@code raw}, or empty when it is not an address. */
  public static Optional<String> canonical(String raw) {
    if (raw == null || raw.isEmpty() || raw.length() > MAX_LENGTH) return Optional.empty();
    if (!URI_CHARS.matcher(raw).matches() && !raw.regionMatches(true, 0, "tel:", 0, 4)) {
      return Optional.empty();
    }
    String lower = raw.toLowerCase(Locale.ROOT);
    if (lower.startsWith("tel:")) return telephone(raw.substring(4));
    if (DIGITS_ONLY.matcher(raw).matches()) return phone(raw);
    if (lower.startsWith("sip:") || lower.startsWith("sips:")) {
      boolean nothingAfterScheme = raw.indexOf(':') == raw.length() - 1;
      return nothingAfterScheme ? Optional.empty() : Optional.of(SipUriSpelling.canonical(raw));
    }
    return Character.isLetterOrDigit(raw.charAt(0)) ? Optional.of(raw) : Optional.empty();
  }

  /** A canonical address that is a telephone number (reachable by SMS interworking). */
  public static boolean isMsisdn(String canonical) {
    return PHONE.matcher(canonical).matches() && canonical.charAt(0) != '+';
  }

  /**
   * The MSISDN of the subscriber behind an address, if it names one: the number itself, or the user
   * part of a SIP URI that is a telephone number ({@code sip:+8613800000001@ims.example;
   * user=phone}). Charging looks the subscriber up by this number.
   */
  public static Optional<String> subscriberMsisdn(String canonical) {
    if (isMsisdn(canonical)) return Optional.of(canonical);
    if (canonical.startsWith("sip:") || canonical.startsWith("sips:")) {
      String rest = canonical.substring(canonical.indexOf(':') + 1);
      int at = rest.indexOf('@');
      if (at <= 0) return Optional.empty();
      String user = rest.substring(0, at);
      int params = user.indexOf(';');
      if (params >= 0) user = user.substring(0, params);
      return phone(user);
    }
    return Optional.empty();
  }

  private static Optional<String> telephone(String number) {
    int params = number.indexOf(';');
    if (params >= 0) number = number.substring(0, params);
    return phone(TEL_SEPARATORS.matcher(number).replaceAll(""));
  }

  private static Optional<String> phone(String number) {
    var m = PHONE.matcher(number);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
