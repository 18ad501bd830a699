package io.scp.actors.sipuri;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One SIP-URI of a pool, keyed by the URI itself: its pool, its password, and who holds it.
 *
 * <p>The slot is the lock that makes a URI exclusive: it is bound to at most one allocation at a
 * time and refuses to bind another until that one is released. Every allocation carries a number
 * that its pool increases monotonically; the slot remembers the highest number it has released, so
 * a late or retried {@code Hold} of an allocation that is already over is refused instead of
 * binding the URI again. The pool decides who gets which URI (see {@link SipUriPool}); the slot
 * keeps the binding, the password, and drives the IMS de-registration on release.
 *
 * <p>A slot is an ordinary sharded entity (not remembered): its pool owns the deadlines and
 * re-drives a release that a crash interrupted.
 */
public final class SipUriSlot
    extends EventSourcedBehaviorWithEnforcedReplies<
        SipUriSlot.Command, SipUriSlot.Event, SipUriSlot.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "SipUriSlot");

  public enum SlotState {
    IDLE,
    OCCUPIED
  }

  /** What the lookup by URI shows; never the password. */
  public record SlotView(
      String uri,
      String poolId,
      SlotState state,
      Optional<String> msisdn,
      Optional<Instant> allocatedAt,
      Optional<Instant> releaseAt,
      Optional<Instant> deregisteredAt)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  /**
   * Makes the URI a member of {@code poolId} at {@code position}. {@code force} re-claims a URI
   * that this pool claimed before without ever adding it (a provisioning request that crashed).
   */
  public record Claim(
      String poolId, int position, Secret password, boolean force, ActorRef<ClaimResult> replyTo)
      implements Command {}

  /**
   * Binds the URI to {@code msisdn} under allocation number {@code allocation}; again with the same
   * allocation it answers the same (and records {@code releaseAt} when given).
   */
  public record Hold(
      String poolId,
      String msisdn,
      long allocation,
      Instant allocatedAt,
      Optional<Instant> releaseAt,
      ActorRef<HoldResult> replyTo)
      implements Command {}

  /** Ends allocation {@code allocation}: de-registers the URI from the IMS and makes it idle. */
  public record Unbind(String poolId, long allocation, ActorRef<UnbindResult> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<SlotView>> replyTo) implements Command {}

  /** The outcome of one IMS de-registration attempt. */
  record DeregistrationFinished(long allocation, Optional<Instant> at) implements Command {}

  record RetryDeregistration(long allocation) implements Command {}

  public enum Stop implements Command {
    INSTANCE
  }

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Claimed.class, name = "claimed"),
    @JsonSubTypes.Type(value = Member.class, name = "member"),
    @JsonSubTypes.Type(value = Taken.class, name = "taken")
  })
  public sealed interface ClaimResult extends CborSerializable {}

  /** The URI is now a member of the pool at the asked position. */
  public record Claimed() implements ClaimResult {}

  /** The URI already belongs to the asking pool, claimed at {@code position}. */
  public record Member(int position) implements ClaimResult {}

  /** The URI belongs to another pool. */
  public record Taken(String poolId) implements ClaimResult {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Held.class, name = "held"),
    @JsonSubTypes.Type(value = Stale.class, name = "stale"),
    @JsonSubTypes.Type(value = HeldByOther.class, name = "other"),
    @JsonSubTypes.Type(value = NotMember.class, name = "not-member")
  })
  public sealed interface HoldResult extends CborSerializable {}

  public record Held(SlotView slot, Secret password) implements HoldResult {}

  /** The allocation is released or being released. */
  public record Stale() implements HoldResult {}

  /** The URI is bound to another allocation: the pool must not hand it out. */
  public record HeldByOther(long allocation) implements HoldResult {}

  /** The URI is not a member of the asking pool. */
  public record NotMember() implements HoldResult {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unbound.class, name = "unbound"),
    @JsonSubTypes.Type(value = UnbindFailed.class, name = "failed")
  })
  public sealed interface UnbindResult extends CborSerializable {}

  public record Unbound(Optional<Instant> deregisteredAt) implements UnbindResult {}

  public record UnbindFailed(String reason) implements UnbindResult {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record SlotClaimed(String poolId, int position, Secret password) implements Event {}

  public record UriBound(
      String msisdn, long allocation, Instant allocatedAt, Optional<Instant> releaseAt)
      implements Event {}

  public record ReleaseScheduled(long allocation, Instant releaseAt) implements Event {}

  /** Allocation {@code allocation} is over; the URI was de-registered from the IMS at that time. */
  public record UriReleased(long allocation, Instant deregisteredAt) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unclaimed.class, name = "unclaimed"),
    @JsonSubTypes.Type(value = Slot.class, name = "slot")
  })
  public sealed interface State extends CborSerializable {}

  public record Unclaimed() implements State {}

  public record Binding(
      String msisdn, long allocation, Instant allocatedAt, Optional<Instant> releaseAt)
      implements CborSerializable {}

  public record Slot(
      String poolId,
      int position,
      Secret password,
      Optional<Binding> binding,
      long lastReleased,
      Optional<Instant> deregisteredAt)
      implements State {

    SlotView view(String uri) {
      return new SlotView(
          uri,
          poolId,
          binding.isPresent() ? SlotState.OCCUPIED : SlotState.IDLE,
          binding.map(Binding::msisdn),
          binding.map(Binding::allocatedAt),
          binding.flatMap(Binding::releaseAt),
          deregisteredAt);
    }

    Slot withBinding(Optional<Binding> binding, long lastReleased, Optional<Instant> deregistered) {
      return new Slot(poolId, position, password, binding, lastReleased, deregistered);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system,
      SipUriSettings settings,
      Clock clock,
      ImsDeregistration deregistration) {
    ClusterSharding.get(system)
        .init(
            Entity.of(
                    KEY,
                    ctx ->
                        Behaviors.setup(
                            context ->
                                Behaviors.withTimers(
                                    timers ->
                                        new SipUriSlot(
                                            ctx.getEntityId(),
                                            settings,
                                            clock,
                                            deregistration,
                                            context,
                                            timers,
                                            RememberedEntity.passivator(ctx, context)))))
                .withStopMessage(Stop.INSTANCE));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String uri, SipUriSettings settings, Clock clock, ImsDeregistration deregistration) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new SipUriSlot(
                        uri, settings, clock, deregistration, context, timers, () -> {})));
  }

  private final String uri;
  private final SipUriSettings settings;
  private final Clock clock;
  private final ImsDeregistration deregistration;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;

  /**
   * Releases under way (not persisted): who waits for each, and how many de-registration attempts
   * were made. A crash forgets them; the pool then sends {@code Unbind} again.
   */
  private final Map<Long, List<ActorRef<UnbindResult>>> releasing = new HashMap<>();

  private final Map<Long, Integer> attempts = new HashMap<>();

  private SipUriSlot(
      String uri,
      SipUriSettings settings,
      Clock clock,
      ImsDeregistration deregistration,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(
        PersistenceId.of(KEY.name(), uri),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1));
    this.uri = uri;
    this.settings = settings;
    this.clock = clock;
    this.deregistration = deregistration;
    this.context = context;
    this.timers = timers;
    this.passivate = passivate;
  }

  @Override
  public State emptyState() {
    return new Unclaimed();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unclaimed.class)
        .onCommand(Claim.class, this::onFirstClaim)
        .onCommand(Hold.class, (s, c) -> Effect().reply(c.replyTo(), new NotMember()))
        .onCommand(
            Unbind.class,
            (s, c) -> Effect().reply(c.replyTo(), new UnbindFailed("not a member of the pool")))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(DeregistrationFinished.class, (s, c) -> Effect().noReply())
        .onCommand(RetryDeregistration.class, (s, c) -> Effect().noReply())
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    builder
        .forStateType(Slot.class)
        .onCommand(Claim.class, this::onClaim)
        .onCommand(Hold.class, this::onHold)
        .onCommand(Unbind.class, this::onUnbind)
        .onCommand(
            Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view(uri))))
        .onCommand(DeregistrationFinished.class, this::onDeregistrationFinished)
        .onCommand(RetryDeregistration.class, (s, c) -> deregister(c.allocation()))
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(new Refusal(ErrorCode.UNKNOWN_URI, uri + " is in no pool"));
  }

  private ReplyEffect<Event, State> onFirstClaim(Unclaimed state, Claim cmd) {
    return Effect()
        .persist(new SlotClaimed(cmd.poolId(), cmd.position(), cmd.password()))
        .thenRun(s -> passivate.run())
        .thenReply(cmd.replyTo(), s -> new Claimed());
  }

  private ReplyEffect<Event, State> onClaim(Slot state, Claim cmd) {
    if (!state.poolId().equals(cmd.poolId())) {
      return Effect().reply(cmd.replyTo(), new Taken(state.poolId()));
    }
    if (!cmd.force() || state.binding().isPresent() || state.position() == cmd.position()) {
      return Effect().reply(cmd.replyTo(), new Member(state.position()));
    }
    return Effect()
        .persist(new SlotClaimed(cmd.poolId(), cmd.position(), cmd.password()))
        .thenReply(cmd.replyTo(), s -> new Claimed());
  }

  private ReplyEffect<Event, State> onHold(Slot state, Hold cmd) {
    if (!state.poolId().equals(cmd.poolId())) {
      return Effect().reply(cmd.replyTo(), new NotMember());
    }
    if (cmd.allocation() <= state.lastReleased() || releasing.containsKey(cmd.allocation())) {
      return Effect().reply(cmd.replyTo(), new Stale());
    }
    Optional<Binding> bound = state.binding();
    if (bound.isEmpty()) {
      return Effect()
          .persist(new UriBound(cmd.msisdn(), cmd.allocation(), cmd.allocatedAt(), cmd.releaseAt()))
          .thenReply(cmd.replyTo(), this::held);
    }
    if (bound.get().allocation() != cmd.allocation()) {
      context
          .getLog()
          .error(
              "{} is bound to allocation {}, refusing allocation {} of pool {}",
              uri,
              bound.get().allocation(),
              cmd.allocation(),
              cmd.poolId());
      return Effect().reply(cmd.replyTo(), new HeldByOther(bound.get().allocation()));
    }
    if (cmd.releaseAt().isPresent() && !cmd.releaseAt().equals(bound.get().releaseAt())) {
      return Effect()
          .persist(new ReleaseScheduled(cmd.allocation(), cmd.releaseAt().get()))
          .thenReply(cmd.replyTo(), this::held);
    }
    return Effect().reply(cmd.replyTo(), held(state));
  }

  private HoldResult held(State state) {
    Slot slot = (Slot) state;
    return new Held(slot.view(uri), slot.password());
  }

  private ReplyEffect<Event, State> onUnbind(Slot state, Unbind cmd) {
    if (!state.poolId().equals(cmd.poolId())) {
      return Effect().reply(cmd.replyTo(), new UnbindFailed("not a member of the pool"));
    }
    if (cmd.allocation() <= state.lastReleased()) {
      return Effect().reply(cmd.replyTo(), new Unbound(state.deregisteredAt()));
    }
    Optional<Binding> bound = state.binding();
    if (bound.isPresent() && bound.get().allocation() != cmd.allocation()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              new UnbindFailed("bound to allocation " + bound.get().allocation() + " instead"));
    }
    // Bound to this allocation, or idle because its Hold never arrived: either way the allocation
    // ends here, so that a late Hold of it is refused.
    List<ActorRef<UnbindResult>> waiting = releasing.get(cmd.allocation());
    if (waiting != null) {
      waiting.add(cmd.replyTo());
      return Effect().noReply();
    }
    waiting = new ArrayList<>();
    waiting.add(cmd.replyTo());
    releasing.put(cmd.allocation(), waiting);
    attempts.put(cmd.allocation(), 0);
    return deregister(cmd.allocation());
  }

  private ReplyEffect<Event, State> deregister(long allocation) {
    if (!releasing.containsKey(allocation)) return Effect().noReply();
    attempts.merge(allocation, 1, Integer::sum);
    context.pipeToSelf(
        deregistration
            .deregister(uri)
            .toCompletableFuture()
            .orTimeout(settings.deregistrationTimeout().toMillis(), TimeUnit.MILLISECONDS),
        (done, failure) ->
            new DeregistrationFinished(
                allocation, failure == null ? Optional.of(clock.instant()) : Optional.empty()));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onDeregistrationFinished(
      Slot state, DeregistrationFinished msg) {
    long allocation = msg.allocation();
    if (!releasing.containsKey(allocation)) return Effect().noReply();
    if (msg.at().isPresent()) {
      List<ActorRef<UnbindResult>> waiting = releasing.remove(allocation);
      attempts.remove(allocation);
      return Effect()
          .persist(new UriReleased(allocation, msg.at().get()))
          .thenRun(s -> waiting.forEach(w -> w.tell(new Unbound(msg.at()))))
          .thenNoReply();
    }
    int made = attempts.getOrDefault(allocation, 0);
    if (made < settings.deregistrationAttempts()) {
      context.getLog().warn("IMS de-registration of {} failed (attempt {}), retrying", uri, made);
      timers.startSingleTimer(
          new RetryDeregistration(allocation), settings.deregistrationBackoff().multipliedBy(made));
      return Effect().noReply();
    }
    context.getLog().warn("IMS de-registration of {} failed {} times, giving up", uri, made);
    List<ActorRef<UnbindResult>> waiting = releasing.remove(allocation);
    attempts.remove(allocation);
    waiting.forEach(w -> w.tell(new UnbindFailed("IMS de-registration failed")));
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unclaimed.class)
        .onEvent(
            SlotClaimed.class,
            (s, e) ->
                new Slot(
                    e.poolId(), e.position(), e.password(), Optional.empty(), 0, Optional.empty()));
    builder
        .forStateType(Slot.class)
        .onEvent(
            SlotClaimed.class,
            (s, e) ->
                new Slot(
                    e.poolId(),
                    e.position(),
                    e.password(),
                    s.binding(),
                    s.lastReleased(),
                    s.deregisteredAt()))
        .onEvent(
            UriBound.class,
            (s, e) ->
                s.withBinding(
                    Optional.of(
                        new Binding(e.msisdn(), e.allocation(), e.allocatedAt(), e.releaseAt())),
                    s.lastReleased(),
                    s.deregisteredAt()))
        .onEvent(
            ReleaseScheduled.class,
            (s, e) ->
                s.withBinding(
                    s.binding()
                        .map(
                            b ->
                                new Binding(
                                    b.msisdn(),
                                    b.allocation(),
                                    b.allocatedAt(),
                                    Optional.of(e.releaseAt()))),
                    s.lastReleased(),
                    s.deregisteredAt()))
        .onEvent(
            UriReleased.class,
            (s, e) ->
                s.withBinding(
                    s.binding().filter(b -> b.allocation() != e.allocation()),
                    Math.max(s.lastReleased(), e.allocation()),
                    Optional.of(e.deregisteredAt())));
    return builder.build();
  }
}
