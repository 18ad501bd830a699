package io.scp.actors.vpn;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.subscriber.Subscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A VPN group: its tariff and its members by short number, and the routing of a member's dialled
 * digits (short number, member's full number, or off-net).
 *
 * <p>Membership is also recorded on the subscriber (its {@code vpn} field), so a member joins or
 * leaves in two steps: the group persists the change as pending, tells the subscriber (retrying
 * until it answers, also after a restart), then completes or aborts the change. One change is
 * handled at a time; other commands for the group wait in the stash meanwhile.
 */
public final class VpnGroup
    extends EventSourcedBehaviorWithEnforcedReplies<
        VpnGroup.Command, VpnGroup.Event, VpnGroup.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "VpnGroup");
  private static final Pattern FULL_NUMBER = Pattern.compile("[0-9]{5,15}");
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  public record Configure(Tariff tariff, ActorRef<StatusReply<Configured>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<GroupView>> replyTo) implements Command {}

  public record AddMember(
      String shortNumber, String msisdn, ActorRef<StatusReply<GroupView>> replyTo)
      implements Command {}

  public record RemoveMember(String shortNumber, ActorRef<StatusReply<GroupView>> replyTo)
      implements Command {}

  /** Where do the digits a member dialled lead, and at which tariff? */
  public record Route(String callerMsisdn, String dialled, ActorRef<StatusReply<Routing>> replyTo)
      implements Command {}

  /** The subscriber's answer to a pending membership change. */
  record ChangeAnswered(Change change, Optional<Refusal> refusal) implements Command {}

  /** The subscriber did not answer; the pending change is driven again after a pause. */
  record RetryChange() implements Command {}

  record DriveChange() implements Command {}

  public record Member(String shortNumber, String msisdn) implements CborSerializable {}

  public record GroupView(String groupId, Tariff tariff, List<Member> members)
      implements CborSerializable {}

  public record Configured(GroupView group, boolean created) implements CborSerializable {}

  public record Routing(Tariff tariff, String destination, boolean onNet)
      implements CborSerializable {}

  public enum ChangeKind {
    JOIN,
    LEAVE
  }

  public record Change(ChangeKind kind, String shortNumber, String msisdn)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record GroupConfigured(Tariff tariff) implements Event {}

  public record ChangeStarted(Change change) implements Event {}

  public record ChangeCompleted(Change change) implements Event {}

  public record ChangeAborted(Change change) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unconfigured.class, name = "unconfigured"),
    @JsonSubTypes.Type(value = Group.class, name = "group")
  })
  public sealed interface State extends CborSerializable {}

  public record Unconfigured() implements State {}

  /**
   * {@code members} maps short number to MSISDN in joining order; {@code pending} is the change
   * being agreed with a subscriber. A member that is leaving no longer routes.
   */
  public record Group(
      Tariff tariff,
      LinkedHashMap<String, String> members,
      HashMap<String, String> shortNumberByMsisdn,
      Optional<Change> pending)
      implements State {

    Group with(Tariff tariff, Optional<Change> pending) {
      return new Group(tariff, members, shortNumberByMsisdn, pending);
    }

    void put(String shortNumber, String msisdn) {
      members.put(shortNumber, msisdn);
      shortNumberByMsisdn.put(msisdn, shortNumber);
    }

    void remove(String shortNumber) {
      String msisdn = members.remove(shortNumber);
      if (msisdn != null) shortNumberByMsisdn.remove(msisdn);
    }

    /** A member routes once its joining is agreed and until its leaving starts. */
    boolean routes(String shortNumber) {
      return members.containsKey(shortNumber)
          && !pending.map(p -> p.shortNumber().equals(shortNumber)).orElse(false);
    }

    GroupView view(String groupId) {
      List<Member> list = new ArrayList<>();
      members.forEach((shortNumber, msisdn) -> list.add(new Member(shortNumber, msisdn)));
      return new GroupView(groupId, tariff, list);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    int maxMembers = system.settings().config().getInt("scp.vpn.max-members");
    sharding.init(
        ShardPlacement.applyTo(
            system, Entity.of(KEY, ctx -> create(ctx.getEntityId(), sharding, maxMembers))));
  }

  public static Behavior<Command> create(String groupId, ClusterSharding sharding, int maxMembers) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new VpnGroup(groupId, sharding, maxMembers, context, timers)));
  }

  private final String groupId;
  private final ClusterSharding sharding;

  /**
   * Every answer carries the whole member list (api.md), and an answer must fit one message between
   * nodes (Artery's frame, cluster.conf): the bound keeps it there.
   */
  private final int maxMembers;

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;

  /** Who waits for the pending change; not persisted: after a crash callers retry. */
  private final List<ActorRef<StatusReply<GroupView>>> waiting = new ArrayList<>();

  private VpnGroup(
      String groupId,
      ClusterSharding sharding,
      int maxMembers,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(PersistenceId.of(KEY.name(), groupId), EntityRestart.WITH_BACKOFF);
    this.groupId = groupId;
    this.sharding = sharding;
    this.maxMembers = maxMembers;
    this.context = context;
    this.timers = timers;
  }

  @Override
  public State emptyState() {
    return new Unconfigured();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Group g) g.pending().ifPresent(this::drive);
            })
        .build();
  }

  // ---------------------------------------------------------------- commands

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(AddMember.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(RemoveMember.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Route.class, (s, c) -> Effect().reply(c.replyTo(), notMember(c.callerMsisdn())))
        .onCommand(ChangeAnswered.class, (s, c) -> Effect().noReply())
        .onCommand(RetryChange.class, (s, c) -> Effect().noReply())
        .onCommand(DriveChange.class, (s, c) -> Effect().noReply());
    builder
        .forStateType(Group.class)
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(
            Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view(groupId))))
        .onCommand(Route.class, this::onRoute)
        .onCommand(AddMember.class, this::onAddMember)
        .onCommand(RemoveMember.class, this::onRemoveMember)
        .onCommand(ChangeAnswered.class, this::onChangeAnswered)
        .onCommand(RetryChange.class, (s, c) -> retryLater())
        .onCommand(
            DriveChange.class,
            (s, c) -> {
              s.pending().ifPresent(this::drive);
              return Effect().noReply();
            });
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_GROUP, "VPN group " + groupId + " does not exist"));
  }

  private <T> StatusReply<T> notMember(String msisdn) {
    return StatusReply.error(
        new Refusal(ErrorCode.NOT_VPN_MEMBER, msisdn + " is not a member of VPN group " + groupId));
  }

  private ReplyEffect<Event, State> onConfigure(State state, Configure cmd) {
    boolean created = state instanceof Unconfigured;
    if (state instanceof Group g && g.tariff().equals(cmd.tariff())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Configured(g.view(groupId), false)));
    }
    return Effect()
        .persist(new GroupConfigured(cmd.tariff()))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Configured(((Group) s).view(groupId), created)));
  }

  private ReplyEffect<Event, State> onRoute(Group group, Route cmd) {
    String callerShortNumber = group.shortNumberByMsisdn().get(cmd.callerMsisdn());
    if (callerShortNumber == null || !group.routes(callerShortNumber)) {
      return Effect().reply(cmd.replyTo(), notMember(cmd.callerMsisdn()));
    }
    // A leading '+' marks a full international number, never a short number.
    boolean international = cmd.dialled().startsWith("+");
    String dialled = international ? cmd.dialled().substring(1) : cmd.dialled();
    if (!international && group.routes(dialled)) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.success(new Routing(group.tariff(), group.members().get(dialled), true)));
    }
    if (!FULL_NUMBER.matcher(dialled).matches()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.UNKNOWN_SHORT_NUMBER,
                      "no short number " + dialled + " in VPN group " + groupId)));
    }
    String memberShortNumber = group.shortNumberByMsisdn().get(dialled);
    if (memberShortNumber != null && group.routes(memberShortNumber)) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Routing(group.tariff(), dialled, true)));
    }
    if (!group.tariff().allowOffNet()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.OFF_NET_BARRED,
                      "VPN group " + groupId + " does not allow off-net calls")));
    }
    return Effect()
        .reply(cmd.replyTo(), StatusReply.success(new Routing(group.tariff(), dialled, false)));
  }

  private ReplyEffect<Event, State> onAddMember(Group group, AddMember cmd) {
    if (group.pending().isPresent()) return Effect().stash();
    String holder = group.members().get(cmd.shortNumber());
    if (cmd.msisdn().equals(holder)) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(group.view(groupId)));
    }
    if (holder != null) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.SHORT_NUMBER_TAKEN,
                      "short number "
                          + cmd.shortNumber()
                          + " of VPN group "
                          + groupId
                          + " belongs to another member")));
    }
    String existing = group.shortNumberByMsisdn().get(cmd.msisdn());
    if (existing != null) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.ALREADY_MEMBER,
                      cmd.msisdn()
                          + " is already member "
                          + existing
                          + " of VPN group "
                          + groupId)));
    }
    if (group.members().size() >= maxMembers) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.GROUP_FULL,
                      "VPN group "
                          + groupId
                          + " has "
                          + maxMembers
                          + " members, the most a group may have (scp.vpn.max-members)")));
    }
    return startChange(new Change(ChangeKind.JOIN, cmd.shortNumber(), cmd.msisdn()), cmd.replyTo());
  }

  private ReplyEffect<Event, State> onRemoveMember(Group group, RemoveMember cmd) {
    if (group.pending().isPresent()) return Effect().stash();
    String msisdn = group.members().get(cmd.shortNumber());
    if (msisdn == null)
      return Effect().reply(cmd.replyTo(), StatusReply.success(group.view(groupId)));
    return startChange(new Change(ChangeKind.LEAVE, cmd.shortNumber(), msisdn), cmd.replyTo());
  }

  private ReplyEffect<Event, State> startChange(
      Change change, ActorRef<StatusReply<GroupView>> replyTo) {
    waiting.add(replyTo);
    return Effect().persist(new ChangeStarted(change)).thenRun(s -> drive(change)).thenNoReply();
  }

  /** Tells the subscriber about the pending change; its answer comes back as ChangeAnswered. */
  private void drive(Change change) {
    Function<ActorRef<StatusReply<Subscriber.SubscriberView>>, Subscriber.Command> command =
        change.kind() == ChangeKind.JOIN
            ? r -> new Subscriber.JoinVpn(groupId, change.shortNumber(), r)
            : r -> new Subscriber.LeaveVpn(groupId, change.shortNumber(), r);
    context.pipeToSelf(
        Asks.withStatus(
            sharding.entityRefFor(Subscriber.KEY, change.msisdn()), command, ASK_TIMEOUT),
        (view, failure) -> {
          Throwable cause = failure == null ? null : Asks.unwrap(failure);
          if (cause == null) return new ChangeAnswered(change, Optional.empty());
          if (cause instanceof Refusal refusal)
            return new ChangeAnswered(change, Optional.of(refusal));
          return new RetryChange();
        });
  }

  private ReplyEffect<Event, State> onChangeAnswered(Group group, ChangeAnswered answer) {
    if (!group.pending().equals(Optional.of(answer.change()))) return Effect().noReply();
    Change change = answer.change();
    // A leaving member whose subscriber record is gone has left all the same.
    boolean refused = answer.refusal().isPresent() && change.kind() == ChangeKind.JOIN;
    Event event = refused ? new ChangeAborted(change) : new ChangeCompleted(change);
    List<ActorRef<StatusReply<GroupView>>> repliers = List.copyOf(waiting);
    waiting.clear();
    return Effect()
        .persist(event)
        .thenRun(
            s -> {
              StatusReply<GroupView> reply =
                  refused
                      ? StatusReply.error(answer.refusal().get())
                      : StatusReply.success(((Group) s).view(groupId));
              repliers.forEach(r -> r.tell(reply));
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> retryLater() {
    timers.startSingleTimer("retry", new DriveChange(), RETRY_DELAY);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- events

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onEvent(
            GroupConfigured.class,
            (s, e) ->
                new Group(e.tariff(), new LinkedHashMap<>(), new HashMap<>(), Optional.empty()));
    builder
        .forStateType(Group.class)
        .onEvent(GroupConfigured.class, (s, e) -> s.with(e.tariff(), s.pending()))
        .onEvent(
            ChangeStarted.class,
            (s, e) -> {
              if (e.change().kind() == ChangeKind.JOIN)
                s.put(e.change().shortNumber(), e.change().msisdn());
              return s.with(s.tariff(), Optional.of(e.change()));
            })
        .onEvent(
            ChangeCompleted.class,
            (s, e) -> {
              if (e.change().kind() == ChangeKind.LEAVE) s.remove(e.change().shortNumber());
              return s.with(s.tariff(), Optional.empty());
            })
        .onEvent(
            ChangeAborted.class,
            (s, e) -> {
              if (e.change().kind() == ChangeKind.JOIN) s.remove(e.change().shortNumber());
              return s.with(s.tariff(), Optional.empty());
            });
    return builder.build();
  }
}
