package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.common.SnapshotCopies;
import java.util.LinkedHashMap;
import java.util.List;
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
 * The capabilities that offer one service, keyed by the service name, so that an invocation by
 * service name finds its candidates without scanning anything. Every capability hands each of its
 * revisions to the index of its service until the index confirms (see {@link VacpCapability}); the
 * newest revision of a capability wins, and a deregistered capability stays as an inactive entry (a
 * tombstone) so that an older revision cannot bring it back.
 *
 * <p>A capability whose service name changed stays listed under its old name: readers confirm a
 * candidate with the capability itself before they use it.
 */
public final class VacpServiceIndex
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpServiceIndex.Command, VacpServiceIndex.Event, VacpServiceIndex.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpServiceIndex");

  public sealed interface Command extends CborSerializable {}

  /** Records a revision of a capability that offers this service. */
  public record Put(DirectoryEntry entry, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The capabilities listed under this service, active or not. */
  public record Get(ActorRef<StatusReply<Listing>> replyTo) implements Command {}

  public record Listing(String service, List<DirectoryEntry> entries) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record EntryIndexed(DirectoryEntry entry) implements Event {}

  /** Entries by capability id; mutated by the event handler only. */
  public record State(LinkedHashMap<String, DirectoryEntry> entries) implements CborSerializable {}

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
    return new State(new LinkedHashMap<>());
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
        .onCommand(
            Get.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        StatusReply.success(
                            new Listing(service, List.copyOf(s.entries().values())))))
        .build();
  }

  private ReplyEffect<Event, State> onPut(State state, Put cmd) {
    if (!cmd.entry().newerThan(state.entries().get(cmd.entry().capabilityId()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(Done.getInstance()));
    }
    return Effect()
        .persist(new EntryIndexed(cmd.entry()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.getInstance()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            EntryIndexed.class,
            (s, e) -> {
              s.entries().put(e.entry().capabilityId(), e.entry());
              return s;
            })
        .build();
  }
}
