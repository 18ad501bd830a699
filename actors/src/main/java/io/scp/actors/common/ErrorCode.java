package io.scp.actors.common;

/**
 * Every refusal the domain can give. The names are part of the wire contract; the HTTP layer maps
 * each to a status ({@code ErrorMapping.statusOf}).
 */
public enum ErrorCode {
  INVALID_ARGUMENT,
  NOT_FOUND,
  /** The caller is known but may not do this (e.g. a platform acting as another). */
  FORBIDDEN,
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
  BALANCE_LIMIT,
  /** An account holds {@code scp.prepaid.max-open-reservations} open reservations already. */
  TOO_MANY_RESERVATIONS,
  // subscribers, VPN groups and calls
  UNKNOWN_SUBSCRIBER,
  SUBSCRIBER_SUSPENDED,
  NOT_VPN_MEMBER,
  UNKNOWN_SHORT_NUMBER,
  OFF_NET_BARRED,
  UNKNOWN_GROUP,
  ALREADY_MEMBER,
  SHORT_NUMBER_TAKEN,
  GROUP_FULL,
  UNKNOWN_CALL,
  CALL_ENDED,
  // IMS identities
  MALFORMED_IMPI,
  SERVICE_NOT_SUBSCRIBED,
  NOT_REGISTERED,
  UNKNOWN_SERVICE,
  // SIP-URI pools
  UNKNOWN_POOL,
  UNKNOWN_URI,
  POOL_EXHAUSTED,
  NOT_ALLOCATED,
  // VACP
  UNKNOWN_PLATFORM,
  UNKNOWN_CAPABILITY,
  NOT_AUTHORIZED,
  NO_INTERWORKING,
  NOT_SUBSCRIBED,
  NO_PROVIDER_FOR_REGION,
  THROTTLED,
  PROVIDER_FAILED,
  PROVIDER_REJECTED,
  PROVIDER_TIMEOUT,
  // CPM
  UNKNOWN_USER,
  UNKNOWN_SESSION,
  SESSION_ENDED,
  NOT_PARTICIPANT,
  PAYLOAD_TOO_LARGE,
  UNAVAILABLE;
}
