package io.scp.actors.cpm;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.JournalOnlyRecovery;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A CPM session (1-to-1 chat, ad-hoc group or pre-arranged group), keyed by session id: its
 * participants, the media decided at set-up, and the ids of the messages posted in it. Messages
 * themselves go through {@link CpmMessage} (charged and stored like any message); the session
 * answers who receives a message posted by a participant. Ending the session, by request or after
 * {@code scp.cpm.session-idle-timeout} without traffic, writes the session CDR. Adding a third
 * participant to a 1-to-1 chat turns it into an ad-hoc group.
 */
public final class CpmSession
    extends EventSourcedBehaviorWithEnforcedReplies<
        CpmSession.Command, CpmSession.Event, CpmSession.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "CpmSession");

  public static final String CLOSED = "CLOSED";
  public static final String IDLE_TIMEOUT = "IDLE_TIMEOUT";

  public enum Kind {
    ONE_TO_ONE,
    AD_HOC_GROUP,
    PREARRANGED_GROUP
  }

  /**
   * What a session was asked for (a replay must ask the same): canonical addresses, {@code
   * participants} without the initiator, {@code media} the requested types.
   */
  public record Spec(
      Kind kind,
      String initiator,
      List<String> participants,
      Optional<String> groupId,
      List<String> media)
      implements CborSerializable {}

  public record SessionView(
      String sessionId,
      Kind kind,
      String initiator,
      List<String> participants,
      Optional<String> groupId,
      List<MediaSelection.MediaDecision> media,
      boolean active,
      Instant startedAt,
      Optional<Instant> endedAt,
      long messageCount,
      Optional<String> endCause,
      Optional<CpmCdr> cdr)
      implements CborSerializable {}

  public record Started(SessionView session, boolean created) implements CborSerializable {}

  /** Who receives a message posted in the session. */
  public record Posting(List<String> recipients) implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /**
   * {@code members} is everyone in the session, the initiator first (for a pre-arranged group, the
   * group's members); {@code billedMsisdn} the number the initiator is billed as when the session
   * starts ({@link BilledNumber}: a lent SIP-URI's bound number), which the session CDR names.
   */
  public record Start(
      Spec spec,
      List<String> members,
      Optional<String> billedMsisdn,
      ActorRef<StatusReply<Started>> replyTo)
      implements Command {}

  public record AddParticipant(String address, ActorRef<StatusReply<SessionView>> replyTo)
      implements Command {}

  public record PostMessage(String messageId, String from, ActorRef<StatusReply<Posting>> replyTo)
      implements Command {}

  /**
   * Told by a message of the session once it is accepted: only then does it count as posted (the
   * session CDR's units) and as activity. A refused message never is. Told again after a crash.
   */
  public record MessageAccepted(String messageId) implements Command {}

  public record End(ActorRef<StatusReply<SessionView>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<SessionView>> replyTo) implements Command {}

  /** Sent by the entity's own timer when the session may have been idle long enough. */
  public enum IdleTimeout implements Command {
    INSTANCE
  }

  public enum IdleCheck implements Command {
    INSTANCE
  }

  public enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  /**
   * {@code billedMsisdn} is empty when the initiator is billed as no number — and in events written
   * before it was kept, which are billed as the number the initiator names ({@link #end}).
   */
  public record SessionStarted(
      Spec spec,
      List<String> members,
      List<MediaSelection.MediaDecision> media,
      Instant at,
      Optional<String> billedMsisdn)
      implements Event {}

  public record ParticipantAdded(String address, Kind kind, Instant at) implements Event {}

  /** Posted and counted at once: how sessions recorded a message before MessageOffered. */
  public record SessionMessagePosted(
      String messageId, String from, List<String> recipients, Instant at) implements Event {}

  /** A message's recipients are fixed; it counts once it is accepted (SessionMessageAccepted). */
  public record SessionMessageOffered(String messageId, String from, List<String> recipients)
      implements Event {}

  public record SessionMessageAccepted(String messageId, Instant at) implements Event {}

  public record SessionEnded(Instant at, String cause, CpmCdr cdr)
      implements Event, CpmCdr.Carrier {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NotStarted.class, name = "not-started"),
    @JsonSubTypes.Type(value = Live.class, name = "live")
  })
  public sealed interface State extends CborSerializable {}

  public record NotStarted() implements State {}

  /**
   * A started session, open or ended ({@code endedAt} set). {@code posted} maps the latest message
   * ids to their recipients, so a replay answers the same recipients even after participants
   * changed; {@code offered} holds those not accepted yet, which do not count. Both are changed by
   * the event handler only.
   */
  public record Live(
      Spec spec,
      Kind kind,
      List<String> members,
      List<MediaSelection.MediaDecision> media,
      Instant startedAt,
      Instant lastActivity,
      long messageCount,
      LinkedHashMap<String, List<String>> posted,
      Set<String> offered,
      Optional<Instant> endedAt,
      Optional<String> endCause,
      Optional<CpmCdr> cdr,
      Optional<String> billedMsisdn)
      implements State {

    boolean ended() {
      return endedAt.isPresent();
    }

    Live with(Kind kind, List<String> members, Instant lastActivity, long messageCount) {
      return new Live(
          spec,
          kind,
          members,
          media,
          startedAt,
          lastActivity,
          messageCount,
          posted,
          offered,
          endedAt,
          endCause,
          cdr,
          billedMsisdn);
    }

    Live endedAt(Instant at, String cause, CpmCdr cdr) {
      return new Live(
          spec,
          kind,
          members,
          media,
          startedAt,
          lastActivity,
          messageCount,
          posted,
          offered,
          Optional.of(at),
          Optional.of(cause),
          Optional.of(cdr),
          billedMsisdn);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, CpmSettings settings, Clock clock) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(settings, clock));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String sessionId, CpmSettings settings, Clock clock) {
    return RememberedEntity.standalone(sessionId, factory(settings, clock));
  }

  private static RememberedEntity.Factory<Command> factory(CpmSettings settings, Clock clock) {
    return (sessionId, context, timers, passivate) ->
        new CpmSession(sessionId, settings, clock, timers, passivate);
  }

  private final String sessionId;
  private final CpmSettings settings;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;

  private CpmSession(
      String sessionId,
      CpmSettings settings,
      Clock clock,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), sessionId), EntityRestart.WITH_BACKOFF);
    this.sessionId = sessionId;
    this.settings = settings;
    this.clock = clock;
    this.timers = timers;
    this.passivate = passivate;
  }

  /** One per request and never snapshotted: recovery goes straight to the journal. */
  @Override
  public Recovery recovery() {
    return JournalOnlyRecovery.get();
  }

  @Override
  public State emptyState() {
    return new NotStarted();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return event instanceof CpmCdr.Carrier ? Set.of(CpmCdr.TAG) : Set.of();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Live live && !live.ended()) armIdleTimeout(live);
              armIdleCheck();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every instance: see {@link EntityCommands}. */
  private static final EntityCommands<CpmSession, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return COMMANDS.of(this);
  }

  private static EntityCommands<CpmSession, Command, Event, State> commands() {
    EntityCommands.Builder<CpmSession, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forState(NotStarted.class)
        .on(Start.class, CpmSession::onStart)
        .on(AddParticipant.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(PostMessage.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(MessageAccepted.class, (e, s, c) -> e.Effect().noReply())
        .on(End.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(IdleTimeout.class, (e, s, c) -> e.Effect().noReply());
    builder
        .forState(Live.class)
        .on(Start.class, CpmSession::onStartAgain)
        .on(AddParticipant.class, CpmSession::onAddParticipant)
        .on(PostMessage.class, CpmSession::onPostMessage)
        .on(MessageAccepted.class, CpmSession::onMessageAccepted)
        .on(End.class, CpmSession::onEnd)
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), StatusReply.success(e.view(s))))
        .on(IdleTimeout.class, CpmSession::onIdleTimeout);
    builder
        .forAnyState()
        .on(IdleCheck.class, CpmSession::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return refusal(ErrorCode.UNKNOWN_SESSION, "session " + sessionId + " does not exist");
  }

  private <T> StatusReply<T> endedRefusal() {
    return refusal(ErrorCode.SESSION_ENDED, "session " + sessionId + " has ended");
  }

  private static <T> StatusReply<T> refusal(ErrorCode code, String detail) {
    return StatusReply.error(new Refusal(code, detail));
  }

  private ReplyEffect<Event, State> onStart(NotStarted state, Start cmd) {
    var event =
        new SessionStarted(
            cmd.spec(),
            List.copyOf(cmd.members()),
            MediaSelection.decide(cmd.spec().media()),
            clock.instant(),
            cmd.billedMsisdn());
    return Effect()
        .persist(event)
        .thenRun((Live s) -> armIdleTimeout(s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new Started(view((Live) s), true)));
  }

  private ReplyEffect<Event, State> onStartAgain(Live state, Start cmd) {
    if (!state.spec().equals(cmd.spec())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refusal(
                  ErrorCode.IDEMPOTENCY_CONFLICT,
                  "session " + sessionId + " was set up with other parameters"));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(new Started(view(state), false)));
  }

  private ReplyEffect<Event, State> onAddParticipant(Live state, AddParticipant cmd) {
    if (state.members().contains(cmd.address())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(view(state)));
    }
    if (state.ended()) return Effect().reply(cmd.replyTo(), endedRefusal());
    if (state.members().size() >= settings.maxGroupMembers()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refusal(
                  ErrorCode.GROUP_FULL,
                  "session " + sessionId + " has the most participants allowed"));
    }
    Kind kind = state.kind() == Kind.ONE_TO_ONE ? Kind.AD_HOC_GROUP : state.kind();
    return Effect()
        .persist(new ParticipantAdded(cmd.address(), kind, clock.instant()))
        .thenRun((Live s) -> armIdleTimeout(s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(view((Live) s)));
  }

  private ReplyEffect<Event, State> onPostMessage(Live state, PostMessage cmd) {
    List<String> known = state.posted().get(cmd.messageId());
    if (known != null)
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Posting(known)));
    if (state.ended()) return Effect().reply(cmd.replyTo(), endedRefusal());
    if (!state.members().contains(cmd.from())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refusal(
                  ErrorCode.NOT_PARTICIPANT,
                  cmd.from() + " is not a participant of session " + sessionId));
    }
    List<String> recipients = state.members().stream().filter(m -> !m.equals(cmd.from())).toList();
    return Effect()
        .persist(new SessionMessageOffered(cmd.messageId(), cmd.from(), recipients))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new Posting(recipients)));
  }

  private ReplyEffect<Event, State> onMessageAccepted(Live state, MessageAccepted cmd) {
    if (state.ended() || !state.offered().contains(cmd.messageId())) return Effect().noReply();
    return Effect()
        .persist(new SessionMessageAccepted(cmd.messageId(), clock.instant()))
        .thenRun((Live s) -> armIdleTimeout(s))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onEnd(Live state, End cmd) {
    if (state.ended()) return Effect().reply(cmd.replyTo(), StatusReply.success(view(state)));
    return end(state, CLOSED).thenReply(cmd.replyTo(), s -> StatusReply.success(view((Live) s)));
  }

  private ReplyEffect<Event, State> onIdleTimeout(Live state, IdleTimeout cmd) {
    if (state.ended()) return Effect().noReply();
    if (clock.instant().isBefore(idleDeadline(state))) {
      armIdleTimeout(state);
      return Effect().noReply();
    }
    return end(state, IDLE_TIMEOUT).thenNoReply();
  }

  private EffectBuilder<Event, State> end(Live state, String cause) {
    Instant now = clock.instant();
    var cdr =
        new CpmCdr(
            "cpm-session:" + sessionId,
            CpmCdr.Type.SESSION,
            state.spec().initiator(),
            // What the initiator's address names is all a session started before the billed number
            // was kept can tell; when the number was looked up, it is the same or that lookup's.
            state.billedMsisdn().or(() -> CpmAddress.subscriberMsisdn(state.spec().initiator())),
            Optional.empty(),
            sessionId,
            Optional.of(sessionId),
            state.spec().initiator(),
            state.members().stream().filter(m -> !m.equals(state.spec().initiator())).toList(),
            state.startedAt(),
            now,
            0,
            (int) Math.min(Integer.MAX_VALUE, state.messageCount()),
            0,
            Optional.empty(),
            "ENDED",
            Optional.of(cause));
    return Effect()
        .persist(new SessionEnded(now, cause, cdr))
        .thenRun(s -> timers.cancel(IdleTimeout.INSTANCE));
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck cmd) {
    if (state instanceof Live live && !live.ended()) {
      armIdleCheck();
    } else {
      passivate.run();
    }
    return Effect().noReply();
  }

  private Instant idleDeadline(Live state) {
    return state.lastActivity().plus(settings.sessionIdleTimeout());
  }

  private void armIdleTimeout(Live state) {
    Duration delay = Duration.between(clock.instant(), idleDeadline(state));
    if (delay.isNegative()) delay = Duration.ZERO;
    timers.startSingleTimer(IdleTimeout.INSTANCE, IdleTimeout.INSTANCE, delay);
  }

  private void armIdleCheck() {
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idleTimeout());
  }

  private SessionView view(Live s) {
    return new SessionView(
        sessionId,
        s.kind(),
        s.spec().initiator(),
        s.members(),
        s.spec().groupId(),
        s.media(),
        !s.ended(),
        s.startedAt(),
        s.endedAt(),
        s.messageCount(),
        s.endCause(),
        s.cdr());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(NotStarted.class)
        .onEvent(
            SessionStarted.class,
            (s, e) ->
                new Live(
                    e.spec(),
                    e.spec().kind(),
                    e.members(),
                    e.media(),
                    e.at(),
                    e.at(),
                    0,
                    new LinkedHashMap<>(),
                    new HashSet<>(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    e.billedMsisdn()));
    builder
        .forStateType(Live.class)
        .onEvent(
            ParticipantAdded.class,
            (s, e) -> {
              List<String> members = new ArrayList<>(s.members());
              members.add(e.address());
              return s.with(e.kind(), List.copyOf(members), e.at(), s.messageCount());
            })
        .onEvent(SessionMessagePosted.class, this::posted)
        .onEvent(
            SessionMessageOffered.class,
            (s, e) -> {
              remember(s, e.messageId(), e.recipients());
              s.offered().add(e.messageId());
              return s;
            })
        .onEvent(
            SessionMessageAccepted.class,
            (s, e) -> {
              s.offered().remove(e.messageId());
              return counted(s, e.at());
            })
        .onEvent(SessionEnded.class, (s, e) -> s.endedAt(e.at(), e.cause(), e.cdr()));
    return builder.build();
  }

  private Live posted(Live s, SessionMessagePosted e) {
    remember(s, e.messageId(), e.recipients());
    return counted(s, e.at());
  }

  /** One more message counted, and activity at {@code at}. */
  private static Live counted(Live s, Instant at) {
    return s.with(s.kind(), s.members(), at, s.messageCount() + 1);
  }

  /** The latest {@code remembered-ids} postings answer replays; older ones are forgotten. */
  private void remember(Live s, String messageId, List<String> recipients) {
    s.posted().put(messageId, recipients);
    Iterator<String> oldest = s.posted().keySet().iterator();
    while (s.posted().size() > settings.rememberedIds() && oldest.hasNext()) {
      s.offered().remove(oldest.next());
      oldest.remove();
    }
  }
}
