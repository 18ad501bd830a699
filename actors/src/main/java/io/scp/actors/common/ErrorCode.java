package io.scp.actors.common;

/**
 * Every refusal the domain can give. The HTTP layer maps each code to a status; the names are
 * part of the wire contract.
 */
public enum ErrorCode {
  INVALID_ARGUMENT,
  NOT_FOUND,
  IDEMPOTENCY_CONFLICT,
  // prepaid accounts
  ACCOUNT_NOT_FOUND,
  ACCOUNT_EXPIRED,
  BELOW_THRESHOLD,
  ACCOUNT_LOST,
  ACCOUNT_BLOCKED,
  INSUFFICIENT_FUNDS,
  RESERVATION_NOT_FOUND,
  EXCEEDS_RESERVATION,
  RESERVATION_CLOSED,
  CURRENCY_MISMATCH,
  // subscribers
  UNKNOWN_SUBSCRIBER,
  SUBSCRIBER_SUSPENDED;
}
