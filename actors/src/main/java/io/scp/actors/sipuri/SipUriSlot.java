package io.scp.actors.sipuri;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.Secret;
import io.scp.actors.common.ShardPlacement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
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
 * re-drives a release that a crash interrupted. It passivates soon after its last message ({@code
 * scp.sip-uri.slot-idle-timeout}) and right after it is claimed, so bulk provisioning and many
 * occupied URIs do not keep one live actor per URI.
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
   * allocation it answers the same, and records {@code releaseAt} as the pool plans it now (a
   * release planned, or one the holder cancelled by asking again), for the look-up to show.
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

  /** The pool no longer plans to release the allocation (its holder asked for it again). */
  public record ReleaseCancelled(long allocation) implements Event {}

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

    /** The bound allocation's release as the pool plans it now. */
    Slot withReleaseAt(Optional<Instant> releaseAt) {
      return withBinding(
          binding.map(b -> new Binding(b.msisdn(), b.allocation(), b.allocatedAt(), releaseAt)),
          lastReleased,
          deregisteredAt);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system,
      SipUriSettings settings,
      Clock clock,
      ImsDeregistration deregistration) {
    ClusterShardingSettings sharding = ClusterShardingSettings.create(system);
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system,
                Entity.of(
                        KEY,
                        ctx ->
                            Behaviors.setup(
                                context ->
                                    new SipUriSlot(
                                        ctx.getEntityId(),
                                        settings,
                                        clock,
                                        deregistration,
                                        context,
                                        RememberedEntity.passivator(ctx, context))))
                    .withStopMessage(Stop.INSTANCE)
                    .withSettings(
                        sharding.withPassivationStrategy(
                            sharding
                                .passivationStrategySettings()
                                .withIdleEntityPassivation(settings.slotIdleTimeout())))));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String uri, SipUriSettings settings, Clock clock, ImsDeregistration deregistration) {
    return Behaviors.setup(
        context -> new SipUriSlot(uri, settings, clock, deregistration, context, () -> {}));
  }

  /** One instance for all slots: there are as many slots as URIs. */
  private final String uri;

  private final SipUriSettings settings;
  private final Clock clock;
  private final ImsDeregistration deregistration;
  private final ActorContext<Command> context;
  private final Runnable passivate;

  /** A release under way (not persisted: after a crash the pool sends {@code Unbind} again). */
  private static final class Releasing {
    final long allocation;
    final List<ActorRef<UnbindResult>> waiting = new ArrayList<>(1);
    int attempts;

    Releasing(long allocation) {
      this.allocation = allocation;
    }
  }

  /** The release under way, or null: a slot ends at most one allocation at a time. */
  private Releasing releasing;

  private SipUriSlot(
      String uri,
      SipUriSettings settings,
      Clock clock,
      ImsDeregistration deregistration,
      ActorContext<Command> context,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), uri), EntityRestart.WITH_BACKOFF);
    this.uri = uri;
    this.settings = settings;
    this.clock = clock;
    this.deregistration = deregistration;
    this.context = context;
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
    // One dispatching method instead of a handler builder: the builder's cases cost about 2 KiB
    // per live entity, and there are as many slots as URIs.
    return this::onCommand;
  }

  private ReplyEffect<Event, State> onCommand(State state, Command cmd) {
    if (cmd instanceof Stop) return Effect().stop().thenNoReply();
    if (state instanceof Slot slot) {
      if (cmd instanceof Claim c) return onClaim(slot, c);
      if (cmd instanceof Hold c) return onHold(slot, c);
      if (cmd instanceof Unbind c) return onUnbind(slot, c);
      if (cmd instanceof Get c) {
        return Effect().reply(c.replyTo(), StatusReply.success(slot.view(uri)));
      }
      if (cmd instanceof DeregistrationFinished c) return onDeregistrationFinished(slot, c);
      if (cmd instanceof RetryDeregistration c) return deregister(c.allocation());
      return Effect().noReply();
    }
    if (cmd instanceof Claim c) return onFirstClaim(c);
    if (cmd instanceof Hold c) return Effect().reply(c.replyTo(), new NotMember());
    if (cmd instanceof Unbind c) {
      return Effect().reply(c.replyTo(), new UnbindFailed("not a member of the pool"));
    }
    if (cmd instanceof Get c) return Effect().reply(c.replyTo(), unknown());
    return Effect().noReply();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(new Refusal(ErrorCode.UNKNOWN_URI, uri + " is in no pool"));
  }

  private ReplyEffect<Event, State> onFirstClaim(Claim cmd) {
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
    if (cmd.allocation() <= state.lastReleased() || isReleasing(cmd.allocation())) {
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
    if (!cmd.releaseAt().equals(bound.get().releaseAt())) {
      Event planned =
          cmd.releaseAt().isPresent()
              ? new ReleaseScheduled(cmd.allocation(), cmd.releaseAt().get())
              : new ReleaseCancelled(cmd.allocation());
      return Effect().persist(planned).thenReply(cmd.replyTo(), this::held);
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
    if (releasing != null && releasing.allocation != cmd.allocation()) {
      return Effect()
          .reply(
              cmd.replyTo(), new UnbindFailed("allocation " + releasing.allocation + " is ending"));
    }
    if (releasing == null) releasing = new Releasing(cmd.allocation());
    releasing.waiting.add(cmd.replyTo());
    return releasing.waiting.size() == 1 ? deregister(cmd.allocation()) : Effect().noReply();
  }

  private boolean isReleasing(long allocation) {
    return releasing != null && releasing.allocation == allocation;
  }

  private ReplyEffect<Event, State> deregister(long allocation) {
    if (!isReleasing(allocation)) return Effect().noReply();
    releasing.attempts++;
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
    if (!isReleasing(allocation)) return Effect().noReply();
    Releasing done = releasing;
    if (msg.at().isPresent()) {
      releasing = null;
      return Effect()
          .persist(new UriReleased(allocation, msg.at().get()))
          .thenRun(s -> done.waiting.forEach(w -> w.tell(new Unbound(msg.at()))))
          .thenNoReply();
    }
    if (done.attempts < settings.deregistrationAttempts()) {
      context
          .getLog()
          .warn("IMS de-registration of {} failed (attempt {}), retrying", uri, done.attempts);
      context.scheduleOnce(
          settings.deregistrationBackoff().multipliedBy(done.attempts),
          context.getSelf(),
          new RetryDeregistration(allocation));
      return Effect().noReply();
    }
    context
        .getLog()
        .warn("IMS de-registration of {} failed {} times, giving up", uri, done.attempts);
    releasing = null;
    done.waiting.forEach(w -> w.tell(new UnbindFailed("IMS de-registration failed")));
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    return SipUriSlot::onEvent;
  }

  private static State onEvent(State state, Event event) {
    if (event instanceof SlotClaimed e) {
      return state instanceof Slot s
          ? new Slot(
              e.poolId(),
              e.position(),
              e.password(),
              s.binding(),
              s.lastReleased(),
              s.deregisteredAt())
          : new Slot(e.poolId(), e.position(), e.password(), Optional.empty(), 0, Optional.empty());
    }
    Slot s = (Slot) state;
    if (event instanceof UriBound e) {
      return s.withBinding(
          Optional.of(new Binding(e.msisdn(), e.allocation(), e.allocatedAt(), e.releaseAt())),
          s.lastReleased(),
          s.deregisteredAt());
    }
    if (event instanceof ReleaseScheduled e) return s.withReleaseAt(Optional.of(e.releaseAt()));
    if (event instanceof ReleaseCancelled) return s.withReleaseAt(Optional.empty());
    UriReleased e = (UriReleased) event;
    return s.withBinding(
        s.binding().filter(b -> b.allocation() != e.allocation()),
        Math.max(s.lastReleased(), e.allocation()),
        Optional.of(e.deregisteredAt()));
  }
}
