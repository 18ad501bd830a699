package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One VACP of the two-level hierarchy and its capability directory.
 *
 * <p>The central VACP (id {@value #CENTRAL_ID} exists without being configured) is the home of
 * class-1 capabilities; a regional VACP is the home of its platforms' class-2 and class-3
 * capabilities. A regional VACP attaches itself to its parent (retried until the parent confirms);
 * the central VACP then publishes every class-1 capability to it.
 *
 * <p>Publication is an outbox: a change of a class-1 capability is persisted together with one
 * pending delivery per regional VACP, and each regional VACP is sent its pending entries in
 * batches, in order, until it acknowledges them, also after a crash or a restart (the node is a
 * remembered entity). Entries carry the capability's revision, so a repeated or late delivery
 * changes nothing; a withdrawal is an inactive entry of a newer revision.
 */
public final class VacpNode
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpNode.Command, VacpNode.Event, VacpNode.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "VacpNode");

  /** The central VACP that exists by default. */
  public static final String CENTRAL_ID = "central";

  private static final int SYNC_BATCH = 100;

  /** Entries of a directory page: 100 of the largest (2 000-character descriptions) are ~0.7 MB. */
  public static final int DIRECTORY_PAGE = 100;

  public enum Level {
    CENTRAL,
    REGIONAL
  }

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  public record Configure(
      Level level,
      Optional<String> region,
      Optional<String> parentId,
      ActorRef<StatusReply<Configured>> replyTo)
      implements Command {}

  public record Configured(NodeView node, boolean created) implements CborSerializable {}

  public record Get(ActorRef<StatusReply<NodeView>> replyTo) implements Command {}

  /**
   * A page of the directory as seen from this VACP (its own capabilities and those published to
   * it): at most {@link #DIRECTORY_PAGE} active entries by capability id, after {@code after} when
   * given. A whole directory of long descriptions would not fit one message between nodes; a page
   * of the largest entries does ({@code VacpNodeTest}).
   */
  public record ListDirectory(Optional<String> after, ActorRef<StatusReply<DirectoryView>> replyTo)
      implements Command {

    /** The first page. */
    public ListDirectory(ActorRef<StatusReply<DirectoryView>> replyTo) {
      this(Optional.empty(), replyTo);
    }
  }

  /** Sent by a regional VACP to its parent. */
  public record AttachChild(
      String childId, Optional<String> region, ActorRef<StatusReply<NodeView>> replyTo)
      implements Command {}

  /**
   * Sent by a capability to its home VACP: a new revision of its entry. Answered once the regional
   * VACPs have it, or after the configured wait (delivery continues).
   */
  public record Publish(DirectoryEntry entry, ActorRef<StatusReply<Published>> replyTo)
      implements Command {}

  /** The VACPs the entry is (or is being) published to beyond its home. */
  public record Published(List<String> publishedTo) implements CborSerializable {}

  /** Sent by the central VACP to a regional one: entries to take over. */
  public record Sync(
      String fromVacpId, List<DirectoryEntry> entries, ActorRef<StatusReply<SyncAck>> replyTo)
      implements Command {}

  public record Delivery(String capabilityId, long revision) implements CborSerializable {}

  public record SyncAck(List<Delivery> received) implements CborSerializable {}

  record AttachAnswered(boolean ok, String detail) implements Command {}

  record SyncAnswered(String childId, List<Delivery> received) implements Command {}

  record SyncFailed(String childId, String detail) implements Command {}

  record DriveSync(String childId) implements Command {}

  enum DriveAttach implements Command {
    INSTANCE
  }

  record ReplyAnyway(String capabilityId) implements Command {}

  enum IdleCheck implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  public record NodeView(
      String vacpId,
      Level level,
      Optional<String> region,
      Optional<String> parentId,
      boolean attached,
      List<String> children)
      implements CborSerializable {}

  /** One page of the directory; {@code next} is the {@code after} of the next page, if any. */
  public record DirectoryView(
      String vacpId,
      Level level,
      List<DirectoryEntry> entries,
      List<String> children,
      Optional<String> next)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record NodeConfigured(Level level, Optional<String> region, Optional<String> parentId)
      implements Event {}

  public record AttachedToParent(String parentId) implements Event {}

  public record ChildAttached(String childId, Optional<String> region) implements Event {}

  /** A capability homed here changed; on the central VACP it is queued for every child. */
  public record EntryPublished(DirectoryEntry entry) implements Event {}

  /** Entries published to this VACP by its parent. */
  public record EntriesReceived(String fromVacpId, List<DirectoryEntry> entries) implements Event {}

  public record DeliveredToChild(String childId, List<Delivery> received) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unconfigured.class, name = "unconfigured"),
    @JsonSubTypes.Type(value = Node.class, name = "node")
  })
  public sealed interface State extends CborSerializable {}

  public record Unconfigured() implements State {}

  /**
   * A configured VACP. {@code entries} holds the directory by capability id (inactive entries are
   * tombstones); {@code children} maps each attached regional VACP to its region ("" when none);
   * {@code outbox} holds, per child, the entries it has not acknowledged yet. The maps are mutated
   * by the event handler only.
   */
  public record Node(
      Level level,
      Optional<String> region,
      Optional<String> parentId,
      boolean attached,
      LinkedHashMap<String, DirectoryEntry> entries,
      LinkedHashMap<String, String> children,
      LinkedHashMap<String, LinkedHashMap<String, DirectoryEntry>> outbox)
      implements State {

    static Node of(Level level, Optional<String> region, Optional<String> parentId) {
      return new Node(
          level,
          region,
          parentId,
          level == Level.CENTRAL,
          new LinkedHashMap<>(),
          new LinkedHashMap<>(),
          new LinkedHashMap<>());
    }

    Node with(Optional<String> region, boolean attached) {
      return new Node(level, region, parentId, attached, entries, children, outbox);
    }

    boolean pendingFor(String capabilityId) {
      return outbox.values().stream().anyMatch(box -> box.containsKey(capabilityId));
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, VacpPorts ports, VacpSettings settings) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(ports, settings));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String vacpId, VacpPorts ports, VacpSettings settings) {
    return RememberedEntity.standalone(vacpId, factory(ports, settings));
  }

  private static RememberedEntity.Factory<Command> factory(VacpPorts ports, VacpSettings settings) {
    return (id, context, timers, passivate) ->
        new VacpNode(id, ports, settings, context, timers, passivate);
  }

  private final String vacpId;
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;

  // Not persisted: who waits for a publication, and which deliveries are in flight.
  private final Map<String, List<ActorRef<StatusReply<Published>>>> waiters = new HashMap<>();
  private final Set<String> syncing = new HashSet<>();
  private final Map<String, Integer> syncFailures = new HashMap<>();
  private boolean attaching;
  private int attachFailures;

  private VacpNode(
      String vacpId,
      VacpPorts ports,
      VacpSettings settings,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), vacpId), EntityRestart.WITH_BACKOFF);
    this.vacpId = vacpId;
    this.ports = ports;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return vacpId.equals(CENTRAL_ID)
        ? Node.of(Level.CENTRAL, Optional.empty(), Optional.empty())
        : new Unconfigured();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  /** A copy, so that the snapshot store never reads collections the event handler still changes. */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(context.getSystem());
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Node node) {
                driveAttach(node);
                driveAllSyncs(node);
              }
              idle.arm();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(ListDirectory.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(AttachChild.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Publish.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Sync.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand((s, c) -> Effect().noReply());
    builder
        .forStateType(Node.class)
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))))
        .onCommand(
            ListDirectory.class,
            (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(directory(s, c.after()))))
        .onCommand(AttachChild.class, this::onAttachChild)
        .onCommand(Publish.class, this::onPublish)
        .onCommand(Sync.class, this::onSync)
        .onCommand(AttachAnswered.class, this::onAttachAnswered)
        .onCommand(
            DriveAttach.class,
            (s, c) -> {
              driveAttach(s);
              return Effect().noReply();
            })
        .onCommand(SyncAnswered.class, this::onSyncAnswered)
        .onCommand(SyncFailed.class, this::onSyncFailed)
        .onCommand(
            DriveSync.class,
            (s, c) -> {
              driveSync(s, c.childId());
              return Effect().noReply();
            })
        .onCommand(
            ReplyAnyway.class,
            (s, c) -> {
              answer(s, c.capabilityId());
              return Effect().noReply();
            })
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    return idle.counting(builder.build());
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.NOT_FOUND, "VACP node " + vacpId + " does not exist"));
  }

  private ReplyEffect<Event, State> onConfigure(State state, Configure cmd) {
    if (state instanceof Node node) {
      if (node.level() != cmd.level() || !node.parentId().equals(cmd.parentId())) {
        return Effect()
            .reply(
                cmd.replyTo(),
                StatusReply.error(
                    new Refusal(
                        ErrorCode.IDEMPOTENCY_CONFLICT,
                        "VACP node "
                            + vacpId
                            + " exists as "
                            + node.level()
                            + node.parentId().map(p -> " under " + p).orElse("")
                            + "; level and parent cannot change")));
      }
      if (node.region().equals(cmd.region())) {
        return Effect()
            .reply(cmd.replyTo(), StatusReply.success(new Configured(view(node), false)));
      }
    }
    boolean created = state instanceof Unconfigured;
    return Effect()
        .persist(new NodeConfigured(cmd.level(), cmd.region(), cmd.parentId()))
        .thenRun(s -> driveAttach((Node) s))
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Configured(view((Node) s), created)));
  }

  private ReplyEffect<Event, State> onAttachChild(Node node, AttachChild cmd) {
    if (node.level() != Level.CENTRAL) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.INVALID_ARGUMENT,
                      "VACP node " + vacpId + " is regional and has no children")));
    }
    String region = cmd.region().orElse("");
    if (region.equals(node.children().get(cmd.childId()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(view(node)));
    }
    return Effect()
        .persist(new ChildAttached(cmd.childId(), cmd.region()))
        .thenRun(s -> driveSync((Node) s, cmd.childId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(view((Node) s)));
  }

  private ReplyEffect<Event, State> onPublish(Node node, Publish cmd) {
    DirectoryEntry entry = cmd.entry();
    if (!entry.newerThan(node.entries().get(entry.capabilityId()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(published(node, entry)));
    }
    return Effect()
        .persist(new EntryPublished(entry))
        .thenRun(
            s -> {
              Node after = (Node) s;
              if (!after.pendingFor(entry.capabilityId())) {
                cmd.replyTo().tell(StatusReply.success(published(after, entry)));
                return;
              }
              waiters
                  .computeIfAbsent(entry.capabilityId(), id -> new ArrayList<>())
                  .add(cmd.replyTo());
              timers.startSingleTimer(
                  "reply:" + entry.capabilityId(),
                  new ReplyAnyway(entry.capabilityId()),
                  settings.publishWait());
              driveAllSyncs(after);
            })
        .thenNoReply();
  }

  private Published published(Node node, DirectoryEntry entry) {
    boolean publishes = node.level() == Level.CENTRAL && entry.homeVacpId().equals(vacpId);
    return new Published(publishes ? List.copyOf(node.children().keySet()) : List.of());
  }

  private ReplyEffect<Event, State> onSync(Node node, Sync cmd) {
    List<DirectoryEntry> changed =
        cmd.entries().stream()
            .filter(e -> e.newerThan(node.entries().get(e.capabilityId())))
            .toList();
    var ack =
        new SyncAck(
            cmd.entries().stream().map(e -> new Delivery(e.capabilityId(), e.revision())).toList());
    if (changed.isEmpty()) return Effect().reply(cmd.replyTo(), StatusReply.success(ack));
    return Effect()
        .persist(new EntriesReceived(cmd.fromVacpId(), changed))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(ack));
  }

  // ---- attaching to the parent

  private void driveAttach(Node node) {
    if (node.level() != Level.REGIONAL || node.attached() || attaching) return;
    attaching = true;
    String parent = node.parentId().orElse(CENTRAL_ID);
    context.pipeToSelf(
        ports.<Command, NodeView>ask(KEY, parent, r -> new AttachChild(vacpId, node.region(), r)),
        (view, failure) ->
            new AttachAnswered(failure == null, failure == null ? "" : String.valueOf(failure)));
  }

  private ReplyEffect<Event, State> onAttachAnswered(Node node, AttachAnswered answer) {
    attaching = false;
    if (!answer.ok()) {
      attachFailures++;
      context
          .getLog()
          .warn("VACP {} could not attach to its parent ({}), retrying", vacpId, answer.detail());
      timers.startSingleTimer(
          DriveAttach.INSTANCE, DriveAttach.INSTANCE, settings.backoff(attachFailures));
      return Effect().noReply();
    }
    attachFailures = 0;
    if (node.attached()) return Effect().noReply();
    return Effect().persist(new AttachedToParent(node.parentId().orElse(CENTRAL_ID))).thenNoReply();
  }

  // ---- delivering to the children

  private void driveAllSyncs(Node node) {
    List.copyOf(node.outbox().keySet()).forEach(child -> driveSync(node, child));
  }

  private void driveSync(Node node, String childId) {
    var box = node.outbox().get(childId);
    if (box == null || box.isEmpty() || !syncing.add(childId)) return;
    List<DirectoryEntry> batch = box.values().stream().limit(SYNC_BATCH).toList();
    context.pipeToSelf(
        ports.<Command, SyncAck>ask(KEY, childId, r -> new Sync(vacpId, batch, r)),
        (ack, failure) ->
            failure == null
                ? new SyncAnswered(childId, ack.received())
                : new SyncFailed(childId, String.valueOf(failure)));
  }

  private ReplyEffect<Event, State> onSyncAnswered(Node node, SyncAnswered answer) {
    syncing.remove(answer.childId());
    syncFailures.remove(answer.childId());
    return Effect()
        .persist(new DeliveredToChild(answer.childId(), answer.received()))
        .thenRun(
            s -> {
              Node after = (Node) s;
              answerAll(after);
              driveSync(after, answer.childId());
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onSyncFailed(Node node, SyncFailed failed) {
    syncing.remove(failed.childId());
    int failures = syncFailures.merge(failed.childId(), 1, Integer::sum);
    context
        .getLog()
        .warn(
            "VACP {} could not publish to {} ({}), retrying",
            vacpId,
            failed.childId(),
            failed.detail());
    timers.startSingleTimer(
        "sync:" + failed.childId(), new DriveSync(failed.childId()), settings.backoff(failures));
    return Effect().noReply();
  }

  private void answerAll(Node node) {
    for (String capabilityId : List.copyOf(waiters.keySet())) {
      if (!node.pendingFor(capabilityId)) answer(node, capabilityId);
    }
  }

  private void answer(Node node, String capabilityId) {
    List<ActorRef<StatusReply<Published>>> waiting = waiters.remove(capabilityId);
    timers.cancel("reply:" + capabilityId);
    DirectoryEntry entry = node.entries().get(capabilityId);
    if (waiting == null || entry == null) return;
    Published published = published(node, entry);
    waiting.forEach(w -> w.tell(StatusReply.success(published)));
  }

  // ---- passivation

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    boolean busy =
        state instanceof Node node
            && (!node.outbox().isEmpty()
                || (node.level() == Level.REGIONAL && !node.attached())
                || !waiters.isEmpty()
                || !syncing.isEmpty());
    idle.onCheck(busy);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- views

  private NodeView view(Node node) {
    return new NodeView(
        vacpId,
        node.level(),
        node.region(),
        node.parentId(),
        node.attached(),
        List.copyOf(node.children().keySet()));
  }

  private DirectoryView directory(Node node, Optional<String> after) {
    List<DirectoryEntry> page =
        node.entries().values().stream()
            .filter(DirectoryEntry::active)
            .filter(e -> after.isEmpty() || e.capabilityId().compareTo(after.get()) > 0)
            .sorted(Comparator.comparing(DirectoryEntry::capabilityId))
            .limit(DIRECTORY_PAGE + 1)
            .toList();
    Optional<String> next = Optional.empty();
    if (page.size() > DIRECTORY_PAGE) {
      page = page.subList(0, DIRECTORY_PAGE);
      next = Optional.of(page.get(DIRECTORY_PAGE - 1).capabilityId());
    }
    return new DirectoryView(
        vacpId, node.level(), List.copyOf(page), List.copyOf(node.children().keySet()), next);
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onEvent(NodeConfigured.class, (s, e) -> Node.of(e.level(), e.region(), e.parentId()));
    builder
        .forStateType(Node.class)
        .onEvent(NodeConfigured.class, (s, e) -> s.with(e.region(), s.level() == Level.CENTRAL))
        .onEvent(AttachedToParent.class, (s, e) -> s.with(s.region(), true))
        .onEvent(ChildAttached.class, this::childAttached)
        .onEvent(EntryPublished.class, this::entryPublished)
        .onEvent(
            EntriesReceived.class,
            (s, e) -> {
              for (DirectoryEntry entry : e.entries()) {
                if (entry.newerThan(s.entries().get(entry.capabilityId()))) {
                  s.entries().put(entry.capabilityId(), entry);
                }
              }
              return s;
            })
        .onEvent(DeliveredToChild.class, VacpNode::delivered);
    return builder.build();
  }

  private Node childAttached(Node s, ChildAttached e) {
    boolean isNew = !s.children().containsKey(e.childId());
    s.children().put(e.childId(), e.region().orElse(""));
    if (isNew) {
      for (DirectoryEntry entry : s.entries().values()) {
        if (entry.homeVacpId().equals(vacpId)) {
          s.outbox()
              .computeIfAbsent(e.childId(), c -> new LinkedHashMap<>())
              .put(entry.capabilityId(), entry);
        }
      }
    }
    return s;
  }

  private Node entryPublished(Node s, EntryPublished e) {
    DirectoryEntry entry = e.entry();
    s.entries().put(entry.capabilityId(), entry);
    if (s.level() == Level.CENTRAL && entry.homeVacpId().equals(vacpId)) {
      for (String child : s.children().keySet()) {
        var box = s.outbox().computeIfAbsent(child, c -> new LinkedHashMap<>());
        // Re-inserted at the end, so a child gets the changes of one capability in order.
        box.remove(entry.capabilityId());
        box.put(entry.capabilityId(), entry);
      }
    }
    return s;
  }

  private static Node delivered(Node s, DeliveredToChild e) {
    var box = s.outbox().get(e.childId());
    if (box == null) return s;
    for (Delivery d : e.received()) {
      DirectoryEntry pending = box.get(d.capabilityId());
      if (pending != null && pending.revision() <= d.revision()) box.remove(d.capabilityId());
    }
    if (box.isEmpty()) s.outbox().remove(e.childId());
    return s;
  }
}
