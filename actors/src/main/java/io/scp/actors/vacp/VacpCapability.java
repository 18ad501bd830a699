package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A capability a provider platform offers: the master record of its directory entry.
 *
 * <p>Every registration, change or deregistration is a new revision, persisted first and then
 * handed to the capability's home VACP (retried until the VACP confirms, also after a restart),
 * which publishes it further down the hierarchy. The caller is answered once the home VACP has it.
 * Only the platform that registered a capability may change or deregister it. On deregistration the
 * provider is sent {@code capability-removed} through the notice outbox. Each revision is also
 * handed to the index of its service ({@link VacpServiceIndex}), retried the same way, and the
 * caller is answered once the index has it too, so an invocation by service name finds it at once.
 */
public final class VacpCapability
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpCapability.Command, VacpCapability.Event, VacpCapability.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpCapability");

  /** What the provider describes. */
  public record Spec(String service, String name, String description, DirectoryEntry.Style style)
      implements CborSerializable {}

  /** Who provides it, and so where it lives in the hierarchy. */
  public record Provider(
      String platformId, int serviceClass, Optional<String> region, String homeVacpId)
      implements CborSerializable {}

  public enum Status {
    /** Stored, not yet confirmed by its home VACP. */
    PENDING,
    ACTIVE,
    DEREGISTERED
  }

  public record CapabilityView(
      String capabilityId,
      Spec spec,
      Provider provider,
      Status status,
      List<String> publishedTo,
      long revision)
      implements CborSerializable {

    public boolean active() {
      return status != Status.DEREGISTERED;
    }
  }

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  public record Register(Spec spec, Provider provider, ActorRef<StatusReply<Registered>> replyTo)
      implements Command {}

  public record Registered(CapabilityView capability, boolean created)
      implements CborSerializable {}

  public record Deregister(String platformId, ActorRef<StatusReply<CapabilityView>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<CapabilityView>> replyTo) implements Command {}

  record SyncAnswered(long revision, List<String> publishedTo) implements Command {}

  record SyncFailed(String detail) implements Command {}

  enum DriveSync implements Command {
    INSTANCE
  }

  record IndexAnswered(long revision) implements Command {}

  record IndexFailed(String detail) implements Command {}

  enum DriveIndex implements Command {
    INSTANCE
  }

  record NoticeAnswered(String noticeId, boolean delivered) implements Command {}

  record ResendNotice(String noticeId) implements Command {}

  enum IdleCheck implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  /** Registered, registered again after deregistration, or changed. */
  public record CapabilityRegistered(Spec spec, Provider provider, long revision)
      implements Event {}

  public record CapabilityDeregistered(long revision, Notice notice) implements Event {}

  /** The home VACP has the revision; {@code publishedTo} is where it publishes it. */
  public record DirectorySynced(long revision, List<String> publishedTo) implements Event {}

  public record NoticeClosed(String noticeId, boolean delivered) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NoCapability.class, name = "none"),
    @JsonSubTypes.Type(value = Capability.class, name = "capability")
  })
  public sealed interface State extends CborSerializable {}

  public record NoCapability() implements State {}

  public record Capability(
      Spec spec,
      Provider provider,
      boolean active,
      long revision,
      long syncedRevision,
      List<String> publishedTo,
      LinkedHashMap<String, Notice> notices)
      implements State {

    boolean synced() {
      return syncedRevision >= revision;
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, VacpPorts ports, VacpSettings settings) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(ports, settings));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String capabilityId, VacpPorts ports, VacpSettings settings) {
    return RememberedEntity.standalone(capabilityId, factory(ports, settings));
  }

  private static RememberedEntity.Factory<Command> factory(VacpPorts ports, VacpSettings settings) {
    return (id, context, timers, passivate) ->
        new VacpCapability(id, ports, settings, context, timers, passivate);
  }

  private final String capabilityId;
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;
  private final NoticeSender<Command> notices;

  // Not persisted: answers owed once the home VACP and the service index confirm a revision;
  // after a crash callers retry.
  private final List<Map.Entry<Long, Consumer<Capability>>> owed = new ArrayList<>();
  private boolean syncing;
  private int syncFailures;
  // Not persisted: the newest revision the service index confirmed since this incarnation started.
  // Every recovery hands the current revision to the index again (it ignores what it has), and the
  // entity does not passivate before the index confirmed, so no revision is missed.
  private long indexedRevision;
  private boolean indexing;
  private int indexFailures;

  private VacpCapability(
      String capabilityId,
      VacpPorts ports,
      VacpSettings settings,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), capabilityId), EntityRestart.WITH_BACKOFF);
    this.capabilityId = capabilityId;
    this.ports = ports;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
    this.notices =
        new NoticeSender<>(
            ports, settings, context, timers, NoticeAnswered::new, ResendNotice::new);
  }

  @Override
  public State emptyState() {
    return new NoCapability();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Capability c) {
                driveSync(c);
                driveIndex(c);
                notices.sendAll(c.notices());
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
        .forStateType(NoCapability.class)
        .onCommand(Register.class, this::onRegister)
        .onCommand(Deregister.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknown()))
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand((s, c) -> Effect().noReply());
    builder
        .forStateType(Capability.class)
        .onCommand(Register.class, this::onRegister)
        .onCommand(Deregister.class, this::onDeregister)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))))
        .onCommand(SyncAnswered.class, this::onSyncAnswered)
        .onCommand(SyncFailed.class, this::onSyncFailed)
        .onCommand(
            DriveSync.class,
            (s, c) -> {
              driveSync(s);
              return Effect().noReply();
            })
        .onCommand(NoticeAnswered.class, this::onNoticeAnswered)
        .onCommand(
            ResendNotice.class,
            (s, c) -> {
              Notice notice = s.notices().get(c.noticeId());
              if (notice != null) notices.send(notice);
              return Effect().noReply();
            })
        .onCommand(IndexAnswered.class, this::onIndexAnswered)
        .onCommand(IndexFailed.class, this::onIndexFailed)
        .onCommand(
            DriveIndex.class,
            (s, c) -> {
              driveIndex(s);
              return Effect().noReply();
            })
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    return idle.counting(builder.build());
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_CAPABILITY, "capability " + capabilityId + " is not known"));
  }

  private <T> StatusReply<T> notOwner(String platformId) {
    return StatusReply.error(
        new Refusal(
            ErrorCode.FORBIDDEN,
            "capability " + capabilityId + " belongs to another platform than " + platformId));
  }

  private ReplyEffect<Event, State> onRegister(State state, Register cmd) {
    Capability current = state instanceof Capability c ? c : null;
    if (current != null && !current.provider().platformId().equals(cmd.provider().platformId())) {
      return Effect().reply(cmd.replyTo(), notOwner(cmd.provider().platformId()));
    }
    if (current != null
        && current.active()
        && current.spec().equals(cmd.spec())
        && current.provider().equals(cmd.provider())) {
      owe(current, current.revision(), c -> reply(cmd, c, false));
      return Effect().noReply();
    }
    boolean created = current == null || !current.active();
    long revision = current == null ? 1 : current.revision() + 1;
    return Effect()
        .persist(new CapabilityRegistered(cmd.spec(), cmd.provider(), revision))
        .thenRun(
            s -> {
              Capability after = (Capability) s;
              owe(after, revision, c -> reply(cmd, c, created));
              driveSync(after);
              driveIndex(after);
            })
        .thenNoReply();
  }

  private void reply(Register cmd, Capability c, boolean created) {
    cmd.replyTo().tell(StatusReply.success(new Registered(view(c), created)));
  }

  private ReplyEffect<Event, State> onDeregister(Capability state, Deregister cmd) {
    if (!state.provider().platformId().equals(cmd.platformId())) {
      return Effect().reply(cmd.replyTo(), notOwner(cmd.platformId()));
    }
    if (!state.active()) {
      owe(state, state.revision(), c -> cmd.replyTo().tell(StatusReply.success(view(c))));
      return Effect().noReply();
    }
    long revision = state.revision() + 1;
    var notice =
        new Notice(
            "capability-removed:" + capabilityId + ":" + revision,
            state.provider().platformId(),
            "capability-removed",
            PlatformFields.builder()
                .text("capabilityId", capabilityId)
                .text("service", state.spec().service())
                .text("platformId", state.provider().platformId())
                .build());
    return Effect()
        .persist(new CapabilityDeregistered(revision, notice))
        .thenRun(
            s -> {
              Capability after = (Capability) s;
              owe(after, revision, c -> cmd.replyTo().tell(StatusReply.success(view(c))));
              driveSync(after);
              driveIndex(after);
              notices.send(notice);
            })
        .thenNoReply();
  }

  /**
   * Answers now if {@code revision} is confirmed (by the home VACP and the service index), else
   * once it is.
   */
  private void owe(Capability state, long revision, Consumer<Capability> answer) {
    if (confirmed(state, revision)) answer.accept(state);
    else owed.add(Map.entry(revision, answer));
  }

  private boolean confirmed(Capability state, long revision) {
    return state.syncedRevision() >= revision && indexedRevision >= revision;
  }

  private void payOwed(Capability state) {
    var due = owed.stream().filter(o -> confirmed(state, o.getKey())).toList();
    owed.removeAll(due);
    due.forEach(o -> o.getValue().accept(state));
  }

  // ---- handing revisions to the home VACP

  private void driveSync(Capability state) {
    if (state.synced() || syncing) return;
    syncing = true;
    DirectoryEntry entry = entry(state);
    context.pipeToSelf(
        ports.<VacpNode.Command, VacpNode.Published>ask(
            VacpNode.KEY, state.provider().homeVacpId(), r -> new VacpNode.Publish(entry, r)),
        (published, failure) ->
            failure == null
                ? new SyncAnswered(entry.revision(), published.publishedTo())
                : new SyncFailed(String.valueOf(failure)));
  }

  private ReplyEffect<Event, State> onSyncAnswered(Capability state, SyncAnswered answer) {
    syncing = false;
    syncFailures = 0;
    if (answer.revision() <= state.syncedRevision()) {
      driveSync(state);
      return Effect().noReply();
    }
    List<String> publishedTo = state.active() ? answer.publishedTo() : List.of();
    return Effect()
        .persist(new DirectorySynced(answer.revision(), publishedTo))
        .thenRun(
            s -> {
              Capability after = (Capability) s;
              payOwed(after);
              driveSync(after);
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onSyncFailed(Capability state, SyncFailed failed) {
    syncing = false;
    syncFailures++;
    context
        .getLog()
        .warn(
            "capability {}: home VACP {} did not confirm ({}), retrying",
            capabilityId,
            state.provider().homeVacpId(),
            failed.detail());
    timers.startSingleTimer(DriveSync.INSTANCE, DriveSync.INSTANCE, settings.backoff(syncFailures));
    return Effect().noReply();
  }

  // ---- handing revisions to the index of the service

  private void driveIndex(Capability state) {
    if (indexedRevision >= state.revision() || indexing) return;
    indexing = true;
    DirectoryEntry entry = entry(state);
    context.pipeToSelf(
        ports.<VacpServiceIndex.Command, org.apache.pekko.Done>ask(
            VacpServiceIndex.KEY, entry.service(), r -> new VacpServiceIndex.Put(entry, r)),
        (done, failure) ->
            failure == null
                ? new IndexAnswered(entry.revision())
                : new IndexFailed(String.valueOf(failure)));
  }

  private ReplyEffect<Event, State> onIndexAnswered(Capability state, IndexAnswered answer) {
    indexing = false;
    indexFailures = 0;
    indexedRevision = Math.max(indexedRevision, answer.revision());
    payOwed(state);
    driveIndex(state);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onIndexFailed(Capability state, IndexFailed failed) {
    indexing = false;
    indexFailures++;
    context
        .getLog()
        .warn(
            "capability {}: the index of service {} did not confirm ({}), retrying",
            capabilityId,
            state.spec().service(),
            failed.detail());
    timers.startSingleTimer(
        DriveIndex.INSTANCE, DriveIndex.INSTANCE, settings.backoff(indexFailures));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onNoticeAnswered(Capability state, NoticeAnswered answer) {
    Optional<Boolean> closed = notices.onAnswered(answer.noticeId(), answer.delivered());
    if (closed.isEmpty() || !state.notices().containsKey(answer.noticeId())) {
      return Effect().noReply();
    }
    return Effect().persist(new NoticeClosed(answer.noticeId(), closed.get())).thenNoReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    boolean busy =
        state instanceof Capability c
            && (!c.synced()
                || indexedRevision < c.revision()
                || !c.notices().isEmpty()
                || notices.busy()
                || !owed.isEmpty());
    idle.onCheck(busy);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- views

  /**
   * The capability as the directories hold it. A deregistered one stays there as a tombstone, so
   * that an older revision cannot bring it back; it keeps no description (up to 2 000 characters
   * each, and the central directory keeps every tombstone), which no reader of a tombstone uses.
   */
  private DirectoryEntry entry(Capability c) {
    return new DirectoryEntry(
        capabilityId,
        c.spec().service(),
        c.spec().name(),
        c.active() ? c.spec().description() : "",
        c.spec().style(),
        c.provider().platformId(),
        c.provider().serviceClass(),
        c.provider().region(),
        c.provider().homeVacpId(),
        c.revision(),
        c.active());
  }

  private CapabilityView view(Capability c) {
    Status status = !c.active() ? Status.DEREGISTERED : c.synced() ? Status.ACTIVE : Status.PENDING;
    return new CapabilityView(
        capabilityId, c.spec(), c.provider(), status, c.publishedTo(), c.revision());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(NoCapability.class)
        .onEvent(
            CapabilityRegistered.class,
            (s, e) ->
                new Capability(
                    e.spec(),
                    e.provider(),
                    true,
                    e.revision(),
                    0,
                    List.of(),
                    new LinkedHashMap<>()));
    builder
        .forStateType(Capability.class)
        .onEvent(
            CapabilityRegistered.class,
            (s, e) ->
                new Capability(
                    e.spec(),
                    e.provider(),
                    true,
                    e.revision(),
                    s.syncedRevision(),
                    s.publishedTo(),
                    s.notices()))
        .onEvent(
            CapabilityDeregistered.class,
            (s, e) -> {
              s.notices().put(e.notice().noticeId(), e.notice());
              return new Capability(
                  s.spec(),
                  s.provider(),
                  false,
                  e.revision(),
                  s.syncedRevision(),
                  s.publishedTo(),
                  s.notices());
            })
        .onEvent(
            DirectorySynced.class,
            (s, e) ->
                new Capability(
                    s.spec(),
                    s.provider(),
                    s.active(),
                    s.revision(),
                    e.revision(),
                    List.copyOf(e.publishedTo()),
                    s.notices()))
        .onEvent(
            NoticeClosed.class,
            (s, e) -> {
              s.notices().remove(e.noticeId());
              return s;
            });
    return builder.build();
  }
}
