package io.scp.actors.subscriber;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.ShardPlacement;
import java.util.List;
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
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A mobile subscriber, keyed by MSISDN: identity, home region, status, the prepaid account that
 * pays for it, its VPN membership and the value-added services it subscribed to.
 */
public final class Subscriber
    extends EventSourcedBehaviorWithEnforcedReplies<
        Subscriber.Command, Subscriber.Event, Subscriber.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "Subscriber");

  public enum Status {
    ACTIVE,
    SUSPENDED
  }

  /** What an operator provisions; a later PUT replaces it as a whole. */
  public record Profile(
      Optional<String> imsi,
      Optional<String> homeRegion,
      Status status,
      Optional<String> prepaidAccountId)
      implements CborSerializable {}

  public record VpnMembership(String groupId, String shortNumber) implements CborSerializable {}

  public record SubscriberView(
      String msisdn, Profile profile, Optional<VpnMembership> vpn, List<String> services)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  public record Provision(Profile profile, ActorRef<StatusReply<Provisioned>> replyTo)
      implements Command {}

  public record Provisioned(SubscriberView subscriber, boolean created)
      implements CborSerializable {}

  public record Get(ActorRef<StatusReply<SubscriberView>> replyTo) implements Command {}

  public record SubscribeService(String serviceId, ActorRef<StatusReply<SubscriberView>> replyTo)
      implements Command {}

  public record UnsubscribeService(String serviceId, ActorRef<StatusReply<SubscriberView>> replyTo)
      implements Command {}

  /** Sent by a VPN group while it adds this subscriber as a member. */
  public record JoinVpn(
      String groupId, String shortNumber, ActorRef<StatusReply<SubscriberView>> replyTo)
      implements Command {}

  /** Sent by a VPN group while it removes this subscriber; a no-op if not that membership. */
  public record LeaveVpn(
      String groupId, String shortNumber, ActorRef<StatusReply<SubscriberView>> replyTo)
      implements Command {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record ProfileProvisioned(Profile profile) implements Event {}

  public record ServiceSubscribed(String serviceId) implements Event {}

  public record ServiceUnsubscribed(String serviceId) implements Event {}

  public record VpnJoined(VpnMembership membership) implements Event {}

  public record VpnLeft(VpnMembership membership) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unknown.class, name = "unknown"),
    @JsonSubTypes.Type(value = Known.class, name = "known")
  })
  public sealed interface State extends CborSerializable {}

  public record Unknown() implements State {}

  public record Known(Profile profile, Optional<VpnMembership> vpn, List<String> services)
      implements State {

    SubscriberView view(String msisdn) {
      return new SubscriberView(msisdn, profile, vpn, services);
    }

    Known withServices(List<String> services) {
      return new Known(profile, vpn, List.copyOf(services));
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String msisdn) {
    return new Subscriber(msisdn);
  }

  private final String msisdn;

  private Subscriber(String msisdn) {
    super(PersistenceId.of(KEY.name(), msisdn), EntityRestart.WITH_BACKOFF);
    this.msisdn = msisdn;
  }

  @Override
  public State emptyState() {
    return new Unknown();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(50, 2);
  }

  /** Shared by every instance: see {@link EntityCommands}. */
  private static final EntityCommands<Subscriber, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return COMMANDS.of(this);
  }

  private static EntityCommands<Subscriber, Command, Event, State> commands() {
    EntityCommands.Builder<Subscriber, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forState(Unknown.class)
        .on(Provision.class, Subscriber::onProvision)
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(SubscribeService.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(UnsubscribeService.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(JoinVpn.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(LeaveVpn.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()));
    builder
        .forState(Known.class)
        .on(Provision.class, Subscriber::onProvision)
        .on(
            Get.class,
            (e, s, c) -> e.Effect().reply(c.replyTo(), StatusReply.success(s.view(e.msisdn))))
        .on(SubscribeService.class, Subscriber::onSubscribe)
        .on(UnsubscribeService.class, Subscriber::onUnsubscribe)
        .on(JoinVpn.class, Subscriber::onJoinVpn)
        .on(LeaveVpn.class, Subscriber::onLeaveVpn);
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_SUBSCRIBER, "subscriber " + msisdn + " is not provisioned"));
  }

  private ReplyEffect<Event, State> onProvision(State state, Provision cmd) {
    boolean created = state instanceof Unknown;
    if (state instanceof Known known && known.profile().equals(cmd.profile())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Provisioned(known.view(msisdn), false)));
    }
    return Effect()
        .persist(new ProfileProvisioned(cmd.profile()))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Provisioned(((Known) s).view(msisdn), created)));
  }

  private ReplyEffect<Event, State> onSubscribe(Known state, SubscribeService cmd) {
    if (state.services().contains(cmd.serviceId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view(msisdn)));
    }
    return Effect()
        .persist(new ServiceSubscribed(cmd.serviceId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Known) s).view(msisdn)));
  }

  private ReplyEffect<Event, State> onUnsubscribe(Known state, UnsubscribeService cmd) {
    if (!state.services().contains(cmd.serviceId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view(msisdn)));
    }
    return Effect()
        .persist(new ServiceUnsubscribed(cmd.serviceId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Known) s).view(msisdn)));
  }

  private ReplyEffect<Event, State> onJoinVpn(Known state, JoinVpn cmd) {
    var wanted = new VpnMembership(cmd.groupId(), cmd.shortNumber());
    if (state.vpn().isPresent()) {
      return state.vpn().get().equals(wanted)
          ? Effect().reply(cmd.replyTo(), StatusReply.success(state.view(msisdn)))
          : Effect()
              .reply(
                  cmd.replyTo(),
                  StatusReply.error(
                      new Refusal(
                          ErrorCode.ALREADY_MEMBER,
                          "subscriber "
                              + msisdn
                              + " is already member "
                              + state.vpn().get().shortNumber()
                              + " of VPN group "
                              + state.vpn().get().groupId())));
    }
    return Effect()
        .persist(new VpnJoined(wanted))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Known) s).view(msisdn)));
  }

  private ReplyEffect<Event, State> onLeaveVpn(Known state, LeaveVpn cmd) {
    var leaving = new VpnMembership(cmd.groupId(), cmd.shortNumber());
    if (!state.vpn().equals(Optional.of(leaving))) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view(msisdn)));
    }
    return Effect()
        .persist(new VpnLeft(leaving))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Known) s).view(msisdn)));
  }

  // ---------------------------------------------------------------- events

  /** Pure, so built once for every instance (Pekko keeps an entity's handler while it lives). */
  private static final EventHandler<State, Event> EVENTS = events();

  @Override
  public EventHandler<State, Event> eventHandler() {
    return EVENTS;
  }

  private static EventHandler<State, Event> events() {
    EventHandlerBuilder<State, Event> builder = EventHandlerBuilder.builder();
    builder
        .forStateType(Unknown.class)
        .onEvent(
            ProfileProvisioned.class,
            (s, e) -> new Known(e.profile(), Optional.empty(), List.of()));
    builder
        .forStateType(Known.class)
        .onEvent(ProfileProvisioned.class, (s, e) -> new Known(e.profile(), s.vpn(), s.services()))
        .onEvent(
            ServiceSubscribed.class,
            (s, e) -> {
              var services = new java.util.ArrayList<>(s.services());
              services.add(e.serviceId());
              return s.withServices(services);
            })
        .onEvent(
            ServiceUnsubscribed.class,
            (s, e) ->
                s.withServices(
                    s.services().stream().filter(id -> !id.equals(e.serviceId())).toList()))
        .onEvent(
            VpnJoined.class,
            (s, e) -> new Known(s.profile(), Optional.of(e.membership()), s.services()))
        .onEvent(VpnLeft.class, (s, e) -> new Known(s.profile(), Optional.empty(), s.services()));
    return builder.build();
  }
}
