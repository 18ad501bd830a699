package io.scp.actors.common;

import java.time.Instant;
import java.util.Optional;

/**
 * A charging record (call detail record) as the billing read model stores it. Entities put one into
 * the event that closes a chargeable thing (a call, a message, a session, a VACP use); the event
 * implements {@link CdrEvent} and is tagged {@link CdrEvent#TAG}, and a projection writes it to the
 * CDR table exactly once per {@code cdrId}.
 *
 * <p>{@code charge} is what was actually charged (deducted from a prepaid account, or billed to a
 * postpaid one); {@code shortfall} is what could not be charged because the front end overran the
 * money it was granted.
 */
public record Cdr(
    String cdrId,
    Type type,
    String chargedParty,
    Optional<String> accountId,
    Optional<String> callId,
    Optional<String> caller,
    Optional<String> called,
    Optional<String> destination,
    Optional<Boolean> onNet,
    Optional<String> decision,
    Optional<String> cause,
    Instant startedAt,
    Optional<Instant> answeredAt,
    Instant endedAt,
    long talkSeconds,
    long billedSeconds,
    long charge,
    long shortfall)
    implements CborSerializable {

  /** The same record with what was actually charged and what could not be. */
  public Cdr withCharge(long charged, long unpaid) {
    return new Cdr(
        cdrId,
        type,
        chargedParty,
        accountId,
        callId,
        caller,
        called,
        destination,
        onNet,
        decision,
        cause,
        startedAt,
        answeredAt,
        endedAt,
        talkSeconds,
        billedSeconds,
        charged,
        unpaid);
  }

  public enum Type {
    CALL,
    MESSAGE,
    SESSION,
    VACP
  }
}
