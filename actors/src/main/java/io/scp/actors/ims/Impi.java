package io.scp.actors.ims;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IMS private identity derived from an IMSI (3GPP TS 23.003 §13.3), optionally carrying a
 * service identification code (SIC) so that each IMS service of one subscriber has its own
 * identity:
 *
 * <pre>
 *   &lt;IMSI&gt;@ims.sic&lt;SIC&gt;.mnc&lt;MNC&gt;.mcc&lt;MCC&gt;.3gppnetwork.org   (per service)
 *   &lt;IMSI&gt;@ims.mnc&lt;MNC&gt;.mcc&lt;MCC&gt;.3gppnetwork.org            (standard)
 * </pre>
 *
 * <p>The MNC is kept in its three-digit domain form (a two-digit MNC is zero-padded on the left);
 * the SIC is a string of 1–8 digits whose leading zeros are significant ({@code 001} is not {@code
 * 1}). The domain is case-insensitive like any DNS name; {@link #value()} is the canonical,
 * lower-case form.
 */
public record Impi(String imsi, String mcc, String mnc, Optional<String> sic)
    implements CborSerializable {

  private static final Pattern IMSI = Pattern.compile("[0-9]{6,15}");
  private static final Pattern MCC = Pattern.compile("[0-9]{3}");
  private static final Pattern MNC = Pattern.compile("[0-9]{2,3}");
  private static final Pattern DOMAIN_MNC = Pattern.compile("[0-9]{3}");
  private static final Pattern SIC = Pattern.compile("[0-9]{1,8}");
  private static final Pattern IMPI =
      Pattern.compile(
          "([0-9]{6,15})@ims\\.(?:sic([0-9]{1,8})\\.)?mnc([0-9]{3})\\.mcc([0-9]{3})"
              + "\\.3gppnetwork\\.org",
          Pattern.CASE_INSENSITIVE);

  /** Longest text worth matching; anything longer is malformed without looking further. */
  private static final int MAX_LENGTH = 80;

  public Impi {
    check(IMSI, imsi, "imsi", "6-15 digits");
    check(MCC, mcc, "mcc", "3 digits");
    check(DOMAIN_MNC, mnc, "mnc", "3 digits (domain form)");
    if (sic == null) throw new IllegalArgumentException("sic must be present or empty");
    sic.ifPresent(s -> check(SIC, s, "sic", "1-8 digits"));
  }

  /**
   * The identity of a subscriber's service, or the standard identity when {@code sic} is empty.
   *
   * @throws IllegalArgumentException when a field does not have its format: IMSI 6–15 digits, MCC 3
   *     digits, MNC 2–3 digits, SIC 1–8 digits
   */
  public static Impi derive(String imsi, String mcc, String mnc, Optional<String> sic) {
    return new Impi(imsi, mcc, domainMnc(mnc), sic);
  }

  /**
   * Reads an IMPI strictly: nothing before the IMSI, nothing after {@code 3gppnetwork.org}, no
   * empty or over-long fields.
   *
   * @throws Refusal with {@link ErrorCode#MALFORMED_IMPI} for anything else
   */
  public static Impi parse(String text) {
    if (text == null || text.isEmpty()) throw malformed("an IMPI is required");
    if (text.length() > MAX_LENGTH) throw malformed("the IMPI is too long");
    Matcher m = IMPI.matcher(text);
    if (!m.matches()) {
      throw malformed(
          "'"
              + text
              + "' is not <IMSI>@ims[.sic<SIC>].mnc<MNC>.mcc<MCC>.3gppnetwork.org"
              + " (IMSI 6-15 digits, SIC 1-8 digits, MNC 3 digits, MCC 3 digits)");
    }
    return new Impi(m.group(1), m.group(4), m.group(3), Optional.ofNullable(m.group(2)));
  }

  /** The three-digit form of an MNC as it appears in the IMS domain ({@code 01} → {@code 001}). */
  public static String domainMnc(String mnc) {
    check(MNC, mnc, "mnc", "2-3 digits");
    return mnc.length() == 2 ? "0" + mnc : mnc;
  }

  /** Whether {@code text} is a valid SIC: 1–8 digits. */
  public static boolean validSic(String text) {
    return text != null && SIC.matcher(text).matches();
  }

  /** The canonical text of this identity. */
  public String value() {
    return imsi
        + "@ims."
        + sic.map(s -> "sic" + s + ".").orElse("")
        + "mnc"
        + mnc
        + ".mcc"
        + mcc
        + ".3gppnetwork.org";
  }

  @Override
  public String toString() {
    return value();
  }

  private static void check(Pattern pattern, String value, String field, String rule) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(field + " must be " + rule);
    }
  }

  private static Refusal malformed(String detail) {
    return new Refusal(ErrorCode.MALFORMED_IMPI, detail);
  }
}
