package io.scp.api.support;

import io.scp.actors.account.PrepaidAccount;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** The number and id formats of the wire contract; anything else is 400 INVALID_ARGUMENT. */
public final class Validate {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern MSISDN = Pattern.compile("[0-9]{5,15}");
  private static final Pattern IMSI = Pattern.compile("[0-9]{6,15}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  /** The scheme without case, as RFC 3261 compares it (the canonical spelling lowers it). */
  private static final Pattern SIP_URI = Pattern.compile("(?i:sips?):[!-~]{1,256}");

  private static final Pattern PASSWORD = Pattern.compile("[!-~]{1,128}");
  // ISO's extended years (+10000-01-01, -0001-01-01) parse as dates too; the contract's do not.
  private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

  /** Largest amount of money accepted in one field: the most an account may hold. */
  public static final long MAX_MONEY = PrepaidAccount.MAX_BALANCE;

  private Validate() {}

  public static String id(String field, String value) {
    return matching(field, value, ID, "1-64 characters of A-Z a-z 0-9 . _ : -");
  }

  public static String msisdn(String field, String value) {
    return matching(field, value, MSISDN, "5-15 digits");
  }

  public static String imsi(String field, String value) {
    return matching(field, value, IMSI, "6-15 digits");
  }

  /** A SIP or SIPS URI: the scheme, then 1-256 printable ASCII characters without spaces. */
  public static String sipUri(String field, String value) {
    return matching(
        field, value, SIP_URI, "a sip: or sips: URI of at most 256 printable ASCII characters");
  }

  /** A SIP password as given by an operator: 1-128 printable ASCII characters without spaces. */
  public static String password(String field, String value) {
    return matching(field, value, PASSWORD, "1-128 printable ASCII characters without spaces");
  }

  public static String currency(String field, String value) {
    return matching(field, value, CURRENCY, "three upper-case letters (ISO 4217)");
  }

  public static String nonBlank(String field, String value, int maxLength) {
    if (value == null || value.isBlank() || value.length() > maxLength) {
      throw ApiError.badRequest(
          field + " must be a non-empty string of at most " + maxLength + " characters");
    }
    return value;
  }

  /**
   * A name or a header-like value (a SIP contact): non-blank like {@link #nonBlank} and without
   * control characters, which no such value has and which only break the logs and screens that show
   * it. Free text (descriptions, message bodies) is not held to this.
   */
  public static String singleLine(String field, String value, int maxLength) {
    nonBlank(field, value, maxLength);
    if (value.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.badRequest(field + " must not contain control characters");
    }
    return value;
  }

  public static LocalDate date(String field, String value) {
    matching(field, value, DATE, "a date YYYY-MM-DD");
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(field + " must be a date YYYY-MM-DD");
    }
  }

  public static long money(String field, long value, long min) {
    if (value < min || value > MAX_MONEY) {
      throw ApiError.badRequest(field + " must be between " + min + " and " + MAX_MONEY);
    }
    return value;
  }

  public static long range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw ApiError.badRequest(field + " must be between " + min + " and " + max);
    }
    return value;
  }

  /**
   * A requested lifetime in seconds: at least 1; anything longer than {@code ceiling} is cut to it,
   * since the callers cap lifetimes by a configured maximum anyway and a very large number is a
   * request for "as long as allowed", not an error.
   */
  public static Duration seconds(String field, long value, Duration ceiling) {
    if (value < 1) throw ApiError.badRequest(field + " must be at least 1");
    return value >= ceiling.toSeconds() ? ceiling : Duration.ofSeconds(value);
  }

  public static <T> T required(
      String field, boolean present, java.util.function.Supplier<T> value) {
    if (!present) throw ApiError.badRequest(field + " is required");
    return value.get();
  }

  private static String matching(String field, String value, Pattern pattern, String rule) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw ApiError.badRequest(field + " must be " + rule);
    }
    return value;
  }
}
