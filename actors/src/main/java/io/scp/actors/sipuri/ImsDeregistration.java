package io.scp.actors.sipuri;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * De-registration of a SIP-URI from the IMS, called by {@link SipUriSlot} whenever a URI is
 * released, before the URI becomes idle again, so that the next user never inherits the previous
 * user's registration.
 *
 * <p>Implementations must be idempotent: the slot retries a failed or timed-out call with the same
 * URI, and a release that is replayed after a crash de-registers again. De-registering a URI that
 * has no registration succeeds. The node wires an implementation that only records the call; the
 * IMS capability provides the one that reaches the registrar.
 */
public interface ImsDeregistration {
  CompletionStage<Done> deregister(String uri);
}
