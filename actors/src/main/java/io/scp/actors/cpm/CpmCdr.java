package io.scp.actors.cpm;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The charging record of one CPM message or session, carried by the event that settles it ({@code
 * CpmMessage.MessageAccepted}, {@code CpmMessage.MessageRefused}, {@code CpmSession.SessionEnded}).
 * Those events are tagged {@link #TAG} so that a CDR projection can read them from the journal; the
 * projection maps the fields onto the CDR table (see docs/cpm.md).
 *
 * @param cdrId {@code cpm-message:<messageId>} or {@code cpm-session:<sessionId>}
 * @param chargedParty the sender or session initiator (canonical address)
 * @param msisdn the subscriber behind the charged party, when the address names one
 * @param accountId the prepaid account that paid (or refused); empty for a postpaid party
 * @param referenceId the messageId or sessionId
 * @param caller sender / initiator
 * @param called recipients / other participants
 * @param charge what the charged party pays (minor units); deducted when {@code accountId} is set
 * @param units recipients of a message, messages of a session
 * @param smsSegments SMS parts handed to the interworking function
 * @param decision ACCEPTED, REFUSED or ENDED
 * @param cause the refusal code, or how a session ended (CLOSED, IDLE_TIMEOUT)
 */
public record CpmCdr(
    String cdrId,
    Type type,
    String chargedParty,
    Optional<String> msisdn,
    Optional<String> accountId,
    String referenceId,
    Optional<String> sessionId,
    String caller,
    List<String> called,
    Instant startedAt,
    Instant endedAt,
    long charge,
    int units,
    int smsSegments,
    Optional<MessageMode> mode,
    String decision,
    Optional<String> cause)
    implements CborSerializable {

  /** CPM records go to the one CDR read model with every other charging record. */
  public static final String TAG = CdrEvent.TAG;

  public enum Type {
    MESSAGE,
    SESSION
  }

  /** An event that settles a message or session and carries its CDR. */
  public interface Carrier extends CdrEvent {
    CpmCdr cdr();

    @Override
    default Cdr chargingRecord() {
      return cdr().toCdr();
    }
  }

  /**
   * The row of the CDR table: the charged party is the subscriber billed — the number behind the
   * sender (or initiator), the one a lent SIP-URI is bound to — else the address itself; the sender
   * is the caller, the recipients (or other participants, comma-separated) the called party; the
   * message or session id is in {@code callId}. With one recipient (or one other participant) the
   * destination is the subscriber it reached — the number its address names, else the address — so
   * that {@code ?msisdn=} finds what a subscriber received as well as what it sent; a group message
   * has no single destination.
   */
  public Cdr toCdr() {
    return new Cdr(
        cdrId,
        type == Type.MESSAGE ? Cdr.Type.MESSAGE : Cdr.Type.SESSION,
        msisdn.orElse(chargedParty),
        accountId,
        Optional.of(referenceId),
        Optional.of(caller),
        called.isEmpty() ? Optional.empty() : Optional.of(String.join(",", called)),
        destination(),
        Optional.empty(),
        Optional.of(decision),
        cause,
        startedAt,
        Optional.empty(),
        endedAt,
        0,
        0,
        charge,
        0);
  }

  private Optional<String> destination() {
    if (called.size() != 1) return Optional.empty();
    String recipient = called.get(0);
    return Optional.of(CpmAddress.subscriberMsisdn(recipient).orElse(recipient));
  }

  /** The same record with what was actually charged. */
  public CpmCdr withCharge(long charged) {
    return new CpmCdr(
        cdrId,
        type,
        chargedParty,
        msisdn,
        accountId,
        referenceId,
        sessionId,
        caller,
        called,
        startedAt,
        endedAt,
        charged,
        units,
        smsSegments,
        mode,
        decision,
        cause);
  }
}
