package io.scp.node;

import io.scp.actors.sipuri.ImsDeregistration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IMS de-registration of released SIP-URIs until the node talks to an IMS: it records the
 * de-registration in the log and succeeds; the slot then records its time ({@code deregisteredAt}
 * of {@code GET /v1/sip-uris/{uri}}). The IMS capability replaces it with an implementation that
 * de-registers the URI's registrations.
 */
final class RecordingImsDeregistration implements ImsDeregistration {
  private static final Logger log = LoggerFactory.getLogger(RecordingImsDeregistration.class);

  @Override
  public CompletionStage<Done> deregister(String uri) {
    log.info("IMS de-registration of {} recorded (no IMS connected)", uri);
    return CompletableFuture.completedFuture(Done.getInstance());
  }
}
