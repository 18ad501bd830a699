package io.scp.actors.vpn;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Asks;
import io.scp.actors.common.Cdr;
import io.scp.actors.subscriber.Subscriber;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The messages a call sends to the other entities, as asks with a timeout. Every command carries
 * the call's own ids, so a retry after a timeout is safe.
 */
public final class CallPorts {
  private final ClusterSharding sharding;
  private final Duration timeout;

  public CallPorts(ClusterSharding sharding, Duration timeout) {
    this.sharding = sharding;
    this.timeout = timeout;
  }

  CompletionStage<Subscriber.SubscriberView> subscriber(String msisdn) {
    return Asks.withStatus(
        sharding.entityRefFor(Subscriber.KEY, msisdn), Subscriber.Get::new, timeout);
  }

  CompletionStage<VpnGroup.Routing> route(String groupId, String caller, String dialled) {
    return Asks.withStatus(
        sharding.entityRefFor(VpnGroup.KEY, groupId),
        r -> new VpnGroup.Route(caller, dialled, r),
        timeout);
  }

  CompletionStage<PrepaidAccount.AuthResult> authenticate(String accountId) {
    return Asks.withStatus(
        sharding.entityRefFor(PrepaidAccount.KEY, accountId),
        r -> new PrepaidAccount.Authenticate(0, r),
        timeout);
  }

  CompletionStage<PrepaidAccount.ReservationView> reserve(
      String accountId, String reservationId, List<Long> acceptableAmounts, Duration ttl) {
    return Asks.withStatus(
        sharding.entityRefFor(PrepaidAccount.KEY, accountId),
        r -> new PrepaidAccount.Reserve(reservationId, acceptableAmounts, Optional.of(ttl), r),
        timeout);
  }

  /** Lists an open postpaid call with its watch; answered once durable. */
  CompletionStage<Done> watchPostpaid(String callId) {
    return Asks.withStatus(
        sharding.entityRefFor(PostpaidCallWatch.KEY, PostpaidCallWatch.bucketOf(callId)),
        r -> new PostpaidCallWatch.Watch(callId, r),
        timeout);
  }

  void forgetPostpaid(String callId) {
    sharding
        .entityRefFor(PostpaidCallWatch.KEY, PostpaidCallWatch.bucketOf(callId))
        .tell(new PostpaidCallWatch.Forget(callId));
  }

  /** Refunds what is left of a reservation; a closed one answers as before. */
  CompletionStage<PrepaidAccount.RefundResult> refund(String accountId, String reservationId) {
    return Asks.withStatus(
        sharding.entityRefFor(PrepaidAccount.KEY, accountId),
        r -> new PrepaidAccount.Refund(reservationId, r),
        timeout);
  }

  /** Settles all of a call's reservations and writes its CDR, in one step on the account. */
  CompletionStage<PrepaidAccount.CallSettlement> settleCall(
      String accountId, List<PrepaidAccount.SliceCharge> slices, Cdr cdr) {
    return Asks.withStatus(
        sharding.entityRefFor(PrepaidAccount.KEY, accountId),
        r -> new PrepaidAccount.SettleCall(slices, cdr, r),
        timeout);
  }
}
