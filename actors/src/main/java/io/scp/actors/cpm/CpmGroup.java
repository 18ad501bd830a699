package io.scp.actors.cpm;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
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
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A pre-arranged CPM group, keyed by group id: a name and its member addresses, provisioned by an
 * operator. A later definition replaces the earlier one; sessions of kind PREARRANGED_GROUP take
 * their participants from it.
 */
public final class CpmGroup
    extends EventSourcedBehaviorWithEnforcedReplies<
        CpmGroup.Command, CpmGroup.Event, CpmGroup.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "CpmGroup");

  public record GroupView(String groupId, Optional<String> name, List<String> members)
      implements CborSerializable {}

  public record Defined(GroupView group, boolean created) implements CborSerializable {}

  public sealed interface Command extends CborSerializable {}

  /** {@code members} are canonical addresses without duplicates. */
  public record Define(
      Optional<String> name, List<String> members, ActorRef<StatusReply<Defined>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<GroupView>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record GroupDefined(Optional<String> name, List<String> members) implements Event {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Undefined.class, name = "undefined"),
    @JsonSubTypes.Type(value = Group.class, name = "group")
  })
  public sealed interface State extends CborSerializable {}

  public record Undefined() implements State {}

  public record Group(Optional<String> name, List<String> members) implements State {}

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String groupId) {
    return new CpmGroup(groupId);
  }

  private final String groupId;

  private CpmGroup(String groupId) {
    super(PersistenceId.of(KEY.name(), groupId), EntityRestart.WITH_BACKOFF);
    this.groupId = groupId;
  }

  @Override
  public State emptyState() {
    return new Undefined();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(50, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Undefined.class)
        .onCommand(Define.class, this::onDefine)
        .onCommand(
            Get.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        StatusReply.error(
                            new Refusal(
                                ErrorCode.UNKNOWN_GROUP, "group " + groupId + " does not exist"))));
    builder
        .forStateType(Group.class)
        .onCommand(Define.class, this::onDefine)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))));
    return builder.build();
  }

  private ReplyEffect<Event, State> onDefine(State state, Define cmd) {
    if (state instanceof Group g
        && g.name().equals(cmd.name())
        && g.members().equals(cmd.members())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Defined(view(g), false)));
    }
    boolean created = state instanceof Undefined;
    return Effect()
        .persist(new GroupDefined(cmd.name(), List.copyOf(cmd.members())))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new Defined(view((Group) s), created)));
  }

  private GroupView view(Group g) {
    return new GroupView(groupId, g.name(), g.members());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(GroupDefined.class, (s, e) -> new Group(e.name(), e.members()))
        .build();
  }
}
