package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.common.SnapshotCopies;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
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
 * The live capabilities that offer one service, keyed by the service name, so that an invocation by
 * service name finds its candidates without scanning anything. Every capability hands each of its
 * revisions to the index of its service until the index confirms (see {@link VacpCapability}); the
 * newest revision of a capability wins.
 *
 * <p>What the index keeps and answers is bounded by what is live, not by its history: a
 * deregistered capability leaves the listing and only its id and revision are remembered (a
 * tombstone), so that an older revision still in flight cannot bring it back, and only for the
 * newest {@link #KEPT_REMOVALS} removals. The capability hands its revisions one at a time and
 * retries with its newest, so an older one arrives late only when a message outlives its ask (a
 * retry after a timeout, a previous incarnation's): a tombstone matters for seconds, not for a
 * thousand removals later. A {@link Get} is answered with only what routing reads (id, class,
 * region) of only the user's candidates. (The index answered every entry it had ever held, with
 * descriptions: a service with a few thousand deregistered capabilities outgrew Artery's 2 MiB
 * frame, and every invocation by its name timed out.)
 *
 * <p>A capability whose service name changed stays listed under its old name until a reader meets
 * it: readers confirm a candidate with the capability itself before they use it, and tell the index
 * to {@link Forget} one that is deregistered or of another service now.
 */
public final class VacpServiceIndex
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpServiceIndex.Command, VacpServiceIndex.Event, VacpServiceIndex.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpServiceIndex");

  public sealed interface Command extends CborSerializable {}

  /** Records a revision of a capability that offers this service. */
  public record Put(DirectoryEntry entry, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The candidates for a user of {@code homeRegion} (none: only the nationwide ones). */
  public record Get(Optional<String> homeRegion, ActorRef<StatusReply<Listing>> replyTo)
      implements Command {}

  /**
   * A reader found the listed capability deregistered or of another service at {@code revision}:
   * unlisted unless the index has that revision or a newer one. Not answered.
   */
  public record Forget(String capabilityId, long revision) implements Command {}

  /**
   * The live capabilities of the service a user of the region asked may be routed to, in the order
   * they are tried ({@link #candidates}), and how many live capabilities the service has, regional
   * ones (class 2 and 3) among them, to tell an unknown service from one without a provider in the
   * user's region.
   */
  public record Listing(String service, List<Candidate> candidates, int live, int regional)
      implements CborSerializable {}

  /** What routing reads of a listed capability; the capability itself is asked for the rest. */
  public record Candidate(String capabilityId, int serviceClass, Optional<String> region)
      implements CborSerializable {

    static Candidate of(DirectoryEntry entry) {
      return new Candidate(entry.capabilityId(), entry.serviceClass(), entry.region());
    }
  }

  public sealed interface Event extends CborSerializable {}

  /** A revision of a capability, live or deregistered (then it leaves the listing). */
  public record EntryIndexed(DirectoryEntry entry) implements Event {}

  /** A reader found the capability deregistered or moved to another service at this revision. */
  public record EntryForgotten(String capabilityId, long revision) implements Event {}

  /** Tombstones kept: the newest removals (see the class comment for why that is enough). */
  static final int KEPT_REMOVALS = 1000;

  /**
   * The live entries by capability id, and the revisions of the newest {@link #KEPT_REMOVALS}
   * removed ones, oldest removal first; mutated by the event handler only.
   */
  public record State(
      LinkedHashMap<String, DirectoryEntry> entries, LinkedHashMap<String, Long> removed)
      implements CborSerializable {

    public State {
      // Snapshots taken before removals were kept apart have no removed map and hold every
      // deregistered capability as an inactive entry.
      if (removed == null) removed = new LinkedHashMap<>();
      for (Iterator<DirectoryEntry> it = entries.values().iterator(); it.hasNext(); ) {
        DirectoryEntry entry = it.next();
        if (!entry.active()) {
          it.remove();
          remember(removed, entry.capabilityId(), entry.revision());
        }
      }
    }

    /** The newest revision the index has of a capability; 0 (revisions start at 1) for none. */
    long revisionOf(String capabilityId) {
      DirectoryEntry entry = entries.get(capabilityId);
      if (entry != null) return entry.revision();
      return removed.getOrDefault(capabilityId, 0L);
    }

    private void remove(String capabilityId, long revision) {
      entries.remove(capabilityId);
      remember(removed, capabilityId, revision);
    }

    private static void remember(
        LinkedHashMap<String, Long> removed, String capabilityId, long revision) {
      removed.remove(capabilityId); // to the end: the newest removal
      removed.put(capabilityId, revision);
      for (Iterator<String> it = removed.keySet().iterator();
          removed.size() > KEPT_REMOVALS && it.hasNext(); ) {
        it.next();
        it.remove();
      }
    }
  }

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String service) {
    return Behaviors.setup(ctx -> new VacpServiceIndex(service, ctx.getSystem()));
  }

  private final String service;
  private final ActorSystem<?> system;

  private VacpServiceIndex(String service, ActorSystem<?> system) {
    super(PersistenceId.of(KEY.name(), service), EntityRestart.WITH_BACKOFF);
    this.system = system;
    this.service = service;
  }

  @Override
  public State emptyState() {
    return new State(new LinkedHashMap<>(), new LinkedHashMap<>());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
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
        .onCommand(Put.class, this::onPut)
        .onCommand(Get.class, this::onGet)
        .onCommand(Forget.class, this::onForget)
        .build();
  }

  private ReplyEffect<Event, State> onPut(State state, Put cmd) {
    if (cmd.entry().revision() <= state.revisionOf(cmd.entry().capabilityId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(Done.getInstance()));
    }
    return Effect()
        .persist(new EntryIndexed(cmd.entry()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.getInstance()));
  }

  private ReplyEffect<Event, State> onGet(State state, Get cmd) {
    Collection<DirectoryEntry> live = state.entries().values();
    int regional = (int) live.stream().filter(e -> e.serviceClass() > 1).count();
    return Effect()
        .reply(
            cmd.replyTo(),
            StatusReply.success(
                new Listing(service, candidates(live, cmd.homeRegion()), live.size(), regional)));
  }

  private ReplyEffect<Event, State> onForget(State state, Forget cmd) {
    DirectoryEntry listed = state.entries().get(cmd.capabilityId());
    if (listed == null || listed.revision() >= cmd.revision()) return Effect().noReply();
    return Effect().persist(new EntryForgotten(cmd.capabilityId(), cmd.revision())).thenNoReply();
  }

  /**
   * The live capabilities a user of {@code home} is routed to: the regional ones (class 2 and 3) of
   * the user's home region first, then the nationwide ones (class 1), each group by capability id.
   */
  static List<Candidate> candidates(Collection<DirectoryEntry> live, Optional<String> home) {
    Comparator<DirectoryEntry> order =
        Comparator.comparingInt((DirectoryEntry e) -> e.serviceClass() == 1 ? 1 : 0)
            .thenComparing(DirectoryEntry::capabilityId);
    return live.stream()
        .filter(e -> e.serviceClass() == 1 || (home.isPresent() && e.region().equals(home)))
        .sorted(order)
        .map(Candidate::of)
        .toList();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            EntryIndexed.class,
            (s, e) -> {
              DirectoryEntry entry = e.entry();
              if (entry.active()) {
                s.entries().put(entry.capabilityId(), entry);
                s.removed().remove(entry.capabilityId());
              } else {
                s.remove(entry.capabilityId(), entry.revision());
              }
              return s;
            })
        .onEvent(
            EntryForgotten.class,
            (s, e) -> {
              s.remove(e.capabilityId(), e.revision());
              return s;
            })
        .build();
  }
}
