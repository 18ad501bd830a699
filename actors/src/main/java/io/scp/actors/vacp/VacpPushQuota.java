package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.common.SnapshotCopies;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The push deliveries one interworking setting has received in the current hour, for its {@code
 * maxPerHour} receive condition. Keyed by the interworking id; one writer per setting, so the count
 * is exact whichever node fans an event out.
 *
 * <p>The hour is a fixed window opened by the first delivery it counts: {@code [start, start + 1
 * h)}; the first claim after it ends opens the next one. A claim is granted while the window holds
 * fewer than the limit, and counted; a refused claim is not. Claims are idempotent per claim id
 * (the event id): a replayed granted claim answers granted again without counting twice.
 */
public final class VacpPushQuota
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpPushQuota.Command, VacpPushQuota.Event, VacpPushQuota.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpPushQuota");

  static final Duration WINDOW = Duration.ofHours(1);

  public sealed interface Command extends CborSerializable {}

  /** Counts one delivery against {@code maxPerHour} if the current window has room. */
  public record Claim(String claimId, int maxPerHour, ActorRef<StatusReply<Claimed>> replyTo)
      implements Command {}

  /** {@code counted}: deliveries counted in the window, this one included when granted. */
  public record Claimed(boolean granted, int counted, Instant windowStart)
      implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  /** A claim counted in the window that starts at {@code windowStart}. */
  public record ClaimGranted(String claimId, Instant windowStart) implements Event {}

  /**
   * {@code granted} maps the remembered claim ids to the window they were counted in; the map is
   * mutated by the event handler only.
   */
  public record State(
      Optional<Instant> windowStart, int counted, LinkedHashMap<String, Instant> granted)
      implements CborSerializable {}

  public static void init(ActorSystem<?> system, VacpSettings settings, Clock clock) {
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system, Entity.of(KEY, ctx -> create(ctx.getEntityId(), settings, clock))));
  }

  public static Behavior<Command> create(
      String interworkingId, VacpSettings settings, Clock clock) {
    return Behaviors.setup(
        ctx -> new VacpPushQuota(interworkingId, settings, clock, ctx.getSystem()));
  }

  private final VacpSettings settings;
  private final Clock clock;
  private final ActorSystem<?> system;

  private VacpPushQuota(
      String interworkingId, VacpSettings settings, Clock clock, ActorSystem<?> system) {
    super(PersistenceId.of(KEY.name(), interworkingId), EntityRestart.WITH_BACKOFF);
    this.system = system;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(Optional.empty(), 0, new LinkedHashMap<>());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  /** A copy, so that the snapshot store never reads collections the event handler still changes. */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(system);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Claim.class, this::onClaim)
        .build();
  }

  private ReplyEffect<Event, State> onClaim(State state, Claim cmd) {
    Instant counted = state.granted().get(cmd.claimId());
    if (counted != null) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Claimed(true, state.counted(), counted)));
    }
    Instant now = clock.instant();
    boolean windowOpen =
        state.windowStart().isPresent() && now.isBefore(state.windowStart().get().plus(WINDOW));
    Instant start = windowOpen ? state.windowStart().get() : now;
    int inWindow = windowOpen ? state.counted() : 0;
    if (inWindow >= cmd.maxPerHour()) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Claimed(false, inWindow, start)));
    }
    return Effect()
        .persist(new ClaimGranted(cmd.claimId(), start))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Claimed(true, s.counted(), s.windowStart().get())));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ClaimGranted.class, this::granted)
        .build();
  }

  private State granted(State s, ClaimGranted e) {
    s.granted().put(e.claimId(), e.windowStart());
    Iterator<String> oldest = s.granted().keySet().iterator();
    while (s.granted().size() > settings.rememberedUses() && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    boolean sameWindow = s.windowStart().equals(Optional.of(e.windowStart()));
    return new State(Optional.of(e.windowStart()), sameWindow ? s.counted() + 1 : 1, s.granted());
  }
}
