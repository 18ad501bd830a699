package io.scp.actors.cpm;

import io.scp.actors.common.CborSerializable;
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

  /** The journal tag of every event that carries a CPM CDR. */
  public static final String TAG = "cpm-cdr";

  public enum Type {
    MESSAGE,
    SESSION
  }

  /** An event that settles a message or session and carries its CDR. */
  public interface Carrier {
    CpmCdr cdr();
  }
}
