package io.scp.actors.vacp;

import io.scp.actors.common.Asks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * What VACP entities send out: asks to other entities (with a timeout, so a retry with the same ids
 * is safe) and calls to platforms through the gateway.
 */
public final class VacpPorts {
  private final EntityRefs refs;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final PlatformGateway gateway;

  public VacpPorts(
      EntityRefs refs, Duration timeout, Scheduler scheduler, PlatformGateway gateway) {
    this.refs = refs;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.gateway = gateway;
  }

  public <M, R> CompletionStage<R> ask(
      EntityTypeKey<M> key, String entityId, Function<ActorRef<StatusReply<R>>, M> command) {
    return Asks.withStatus(refs.refFor(key, entityId), command, timeout, scheduler);
  }

  public <M> void tell(EntityTypeKey<M> key, String entityId, M message) {
    refs.refFor(key, entityId).tell(message);
  }

  public CompletionStage<PlatformGateway.Response> call(
      PlatformGateway.Endpoint endpoint, String operation, PlatformFields fields) {
    return gateway.call(endpoint, operation, fields, Optional.empty());
  }

  /** A call that carries a raw JSON {@code payload} besides the fields. */
  public CompletionStage<PlatformGateway.Response> call(
      PlatformGateway.Endpoint endpoint, String operation, PlatformFields fields, String payload) {
    return gateway.call(endpoint, operation, fields, Optional.of(payload));
  }

  /** Sends a notice to the platform's current callback address. */
  CompletionStage<PlatformGateway.Response> deliver(Notice notice) {
    PlatformFields fields =
        PlatformFields.builder()
            .text("noticeId", notice.noticeId())
            .addAll(notice.fields())
            .build();
    return this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, notice.platformId(), VacpPlatform.Get::new)
        .thenCompose(platform -> call(platform.endpoint(), notice.operation(), fields));
  }
}
