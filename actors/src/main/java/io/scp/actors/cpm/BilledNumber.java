package io.scp.actors.cpm;

import io.scp.actors.common.Asks;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.sipuri.SipUriSlot;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The number a CPM address's traffic is billed to. A SIP-URI lent from a pool bills the number it
 * is bound to (mission: everything done under the URI is billed to that number) — a canonical
 * address spells a SIP-URI as its pool does; any other address the number it names, if any.
 */
public final class BilledNumber {
  private BilledNumber() {}

  /** Fails with the slot's failure (a timeout) when the URI's slot does not answer. */
  public static CompletionStage<Optional<String>> of(
      ClusterSharding sharding, String address, Duration timeout) {
    Optional<String> named = CpmAddress.subscriberMsisdn(address);
    if (!address.startsWith("sip:") && !address.startsWith("sips:")) {
      return CompletableFuture.completedFuture(named);
    }
    return Asks.<SipUriSlot.Command, SipUriSlot.SlotView>withStatus(
            sharding.entityRefFor(SipUriSlot.KEY, address), SipUriSlot.Get::new, timeout)
        .thenApply(SipUriSlot.SlotView::msisdn)
        .exceptionally(
            failure -> {
              if (isUnknownUri(failure)) return Optional.empty();
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            })
        .thenApply(bound -> bound.or(() -> named));
  }

  private static boolean isUnknownUri(Throwable failure) {
    return Asks.unwrap(failure) instanceof Refusal r && r.code() == ErrorCode.UNKNOWN_URI;
  }
}
