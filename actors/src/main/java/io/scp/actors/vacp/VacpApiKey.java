package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.ShardPlacement;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;

/**
 * The index from an API key to its platform, keyed by the key's SHA-256 hash, so that a request is
 * authenticated with two lookups and no scan. The entry is written before the platform that owns
 * the key; the platform entity stays the authority (it must confirm the hash), so an entry whose
 * platform was never created, or whose key was rotated away, authenticates nothing.
 */
public final class VacpApiKey
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpApiKey.Command, VacpApiKey.Event, VacpApiKey.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpApiKey");

  public sealed interface Command extends CborSerializable {}

  public record Bind(String platformId, ActorRef<StatusReply<Bound>> replyTo) implements Command {}

  public record Resolve(ActorRef<StatusReply<Bound>> replyTo) implements Command {}

  public record Bound(String platformId) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record KeyBound(String platformId) implements Event {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unbound.class, name = "unbound"),
    @JsonSubTypes.Type(value = BoundState.class, name = "bound")
  })
  public sealed interface State extends CborSerializable {}

  public record Unbound() implements State {}

  public record BoundState(String platformId) implements State {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String keyHash) {
    return new VacpApiKey(keyHash);
  }

  private VacpApiKey(String keyHash) {
    super(PersistenceId.of(KEY.name(), keyHash), EntityRestart.WITH_BACKOFF);
  }

  @Override
  public State emptyState() {
    return new Unbound();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unbound.class)
        .onCommand(
            Bind.class,
            (s, c) ->
                Effect()
                    .persist(new KeyBound(c.platformId()))
                    .thenReply(
                        c.replyTo(), bound -> StatusReply.success(new Bound(c.platformId()))))
        .onCommand(
            Resolve.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        StatusReply.error(new Refusal(ErrorCode.NOT_FOUND, "unknown API key"))));
    builder
        .forStateType(BoundState.class)
        .onCommand(
            Bind.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        s.platformId().equals(c.platformId())
                            ? StatusReply.success(new Bound(s.platformId()))
                            : StatusReply.error(
                                new Refusal(
                                    ErrorCode.IDEMPOTENCY_CONFLICT,
                                    "this API key belongs to another platform"))))
        .onCommand(
            Resolve.class,
            (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(new Bound(s.platformId()))));
    return builder.build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forStateType(Unbound.class)
        .onEvent(KeyBound.class, (s, e) -> new BoundState(e.platformId()))
        .build();
  }
}
