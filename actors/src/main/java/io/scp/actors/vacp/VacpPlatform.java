package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.ShardPlacement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
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
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * A value-added service platform attached to the VACP: its service class, home VACP, callback
 * address and protocol, and the hash of its API key (the key itself is never stored).
 *
 * <p>Service class and home VACP are fixed once the platform exists: its capabilities live in that
 * VACP's directory. Name, region, callback address, protocol and status may change.
 */
public final class VacpPlatform
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpPlatform.Command, VacpPlatform.Event, VacpPlatform.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpPlatform");

  public enum Status {
    ACTIVE,
    SUSPENDED
  }

  public record Profile(
      String name,
      int serviceClass,
      Optional<String> region,
      String vacpId,
      String callbackUrl,
      PlatformGateway.Protocol protocol,
      Status status)
      implements CborSerializable {}

  public record PlatformView(String platformId, Profile profile) implements CborSerializable {
    public PlatformGateway.Endpoint endpoint() {
      return new PlatformGateway.Endpoint(platformId, profile.callbackUrl(), profile.protocol());
    }

    public boolean active() {
      return profile.status() == Status.ACTIVE;
    }
  }

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /**
   * Creates the platform with the hash of a new API key, or updates its profile; {@code newKeyHash}
   * is used only when the platform is created.
   */
  public record Register(
      Profile profile, Optional<String> newKeyHash, ActorRef<StatusReply<Registered>> replyTo)
      implements Command {}

  public record Registered(PlatformView platform, boolean created) implements CborSerializable {}

  /** Replaces the API key; the old one stops working at once. */
  public record RotateKey(String newKeyHash, ActorRef<StatusReply<PlatformView>> replyTo)
      implements Command {}

  /** Answers the platform if {@code keyHash} is its key's hash, else UNKNOWN_PLATFORM. */
  public record Authenticate(String keyHash, ActorRef<StatusReply<PlatformView>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<PlatformView>> replyTo) implements Command {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record PlatformRegistered(Profile profile, String keyHash) implements Event {}

  public record PlatformUpdated(Profile profile) implements Event {}

  public record KeyRotated(String keyHash) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unregistered.class, name = "unregistered"),
    @JsonSubTypes.Type(value = Platform.class, name = "platform")
  })
  public sealed interface State extends CborSerializable {}

  public record Unregistered() implements State {}

  public record Platform(Profile profile, String keyHash) implements State {}

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String platformId) {
    return new VacpPlatform(platformId);
  }

  private final String platformId;

  private VacpPlatform(String platformId) {
    super(PersistenceId.of(KEY.name(), platformId), EntityRestart.WITH_BACKOFF);
    this.platformId = platformId;
  }

  @Override
  public State emptyState() {
    return new Unregistered();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unregistered.class)
        .onCommand(Register.class, this::onCreate)
        .onCommand(RotateKey.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Authenticate.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknown()));
    builder
        .forStateType(Platform.class)
        .onCommand(Register.class, this::onUpdate)
        .onCommand(RotateKey.class, this::onRotateKey)
        .onCommand(Authenticate.class, this::onAuthenticate)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))));
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_PLATFORM, "platform " + platformId + " is not registered"));
  }

  private PlatformView view(Platform p) {
    return new PlatformView(platformId, p.profile());
  }

  private ReplyEffect<Event, State> onCreate(Unregistered state, Register cmd) {
    if (cmd.newKeyHash().isEmpty()) return Effect().reply(cmd.replyTo(), unknown());
    return Effect()
        .persist(new PlatformRegistered(cmd.profile(), cmd.newKeyHash().get()))
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Registered(view((Platform) s), true)));
  }

  private ReplyEffect<Event, State> onUpdate(Platform state, Register cmd) {
    Profile now = state.profile();
    Profile wanted = cmd.profile();
    if (now.serviceClass() != wanted.serviceClass() || !now.vacpId().equals(wanted.vacpId())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.IDEMPOTENCY_CONFLICT,
                      "platform "
                          + platformId
                          + " exists with service class "
                          + now.serviceClass()
                          + " at VACP "
                          + now.vacpId()
                          + "; these cannot change")));
    }
    if (now.equals(wanted)) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Registered(view(state), false)));
    }
    return Effect()
        .persist(new PlatformUpdated(wanted))
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Registered(view((Platform) s), false)));
  }

  private ReplyEffect<Event, State> onRotateKey(Platform state, RotateKey cmd) {
    return Effect()
        .persist(new KeyRotated(cmd.newKeyHash()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(view((Platform) s)));
  }

  private ReplyEffect<Event, State> onAuthenticate(Platform state, Authenticate cmd) {
    boolean matches =
        MessageDigest.isEqual(
            state.keyHash().getBytes(StandardCharsets.UTF_8),
            cmd.keyHash().getBytes(StandardCharsets.UTF_8));
    return Effect().reply(cmd.replyTo(), matches ? StatusReply.success(view(state)) : unknown());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unregistered.class)
        .onEvent(PlatformRegistered.class, (s, e) -> new Platform(e.profile(), e.keyHash()));
    builder
        .forStateType(Platform.class)
        .onEvent(PlatformUpdated.class, (s, e) -> new Platform(e.profile(), s.keyHash()))
        .onEvent(KeyRotated.class, (s, e) -> new Platform(s.profile(), e.keyHash()));
    return builder.build();
  }
}
