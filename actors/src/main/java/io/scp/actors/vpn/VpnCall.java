package io.scp.actors.vpn;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.typesafe.config.Config;
import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.account.ReservationIds;
import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.JournalOnlyRecovery;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.WokenEntity;
import io.scp.actors.subscriber.Subscriber;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One VPN call, from the initial request to its CDR.
 *
 * <p>Setup authenticates the caller as a VPN member, routes the dialled digits through the group
 * and, for a prepaid caller, reserves the first quota slice, the reservation checking the account
 * (a call whose first slice is free only authenticates the account). Later slices are reserved on
 * request. At the end the charge is deducted from the slices in order and every slice is refunded,
 * which closes it. The call never charges more than it reserved; what the front end overran is the
 * shortfall.
 *
 * <p>Setup and quota steps are not persisted until they have an outcome: every account command
 * carries ids derived from the call id, so a retried step makes the same reservation. At the end
 * the account settles every slice and writes the CDR in one event, then the call closes; a retried
 * end after a crash in between finds the settlement done (its deduction ids) and closes with what
 * was charged. The supervision timers (never answered, never ended) are re-armed after recovery.
 * Calls are not remembered entities (that would cost two blocking writes per call): the account
 * holding a call's reservation tells the call while the reservation stays open ({@link
 * #reservationOwners}), which starts a call whose node died again on a survivor; a reservation
 * whose call never got connected is refunded then.
 */
public final class VpnCall
    extends EventSourcedBehaviorWithEnforcedReplies<VpnCall.Command, VpnCall.Event, VpnCall.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "VpnCall");
  static final String CONNECT = "CONNECT";
  static final String RELEASE = "RELEASE";

  public record Settings(
      long quotaSeconds,
      Duration answerTimeout,
      Duration endGrace,
      Duration askTimeout,
      Duration closedLinger,
      Duration retryDelay,
      int maxSetupAttempts,
      Duration reservationMargin) {
    public static Settings fromConfig(Config config) {
      return new Settings(
          config.getDuration("scp.calls.quota-seconds").toSeconds(),
          config.getDuration("scp.calls.answer-timeout"),
          config.getDuration("scp.calls.end-grace"),
          config.getDuration("scp.calls.ask-timeout"),
          config.getDuration("scp.calls.closed-linger"),
          config.getDuration("scp.calls.retry-delay"),
          config.getInt("scp.calls.max-setup-attempts"),
          config.getDuration("scp.calls.reservation-margin"));
    }
  }

  public enum Phase {
    CONNECTED,
    ANSWERED,
    ENDING,
    ENDED,
    RELEASED;

    boolean closed() {
      return this == ENDED || this == RELEASED;
    }
  }

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  public record Setup(String caller, String called, ActorRef<StatusReply<Decision>> replyTo)
      implements Command {}

  public record Answer(ActorRef<StatusReply<CallView>> replyTo) implements Command {}

  public record RequestQuota(
      int requestNumber, long usedSeconds, ActorRef<StatusReply<QuotaResult>> replyTo)
      implements Command {}

  public record End(long talkSeconds, ActorRef<StatusReply<EndResult>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<CallView>> replyTo) implements Command {}

  /** Outcome of the setup step: connected (with its first slice) or released with a cause. */
  record SetupDone(Optional<Connection> connection, Optional<Slice> slice, String cause)
      implements Command {}

  record QuotaDone(int requestNumber, Optional<Slice> slice, String cause) implements Command {}

  /** The account settled the call: what it charged, and whether it wrote the CDR with it. */
  record Settled(long charged, boolean cdrOnAccount) implements Command {}

  record StepFailed(String step, String reason) implements Command {}

  /** The account still holds this reservation for the call; see {@link #reservationOwners}. */
  record ReservationCheck(String accountId, String reservationId) implements Command {}

  /** The postpaid call watch of this bucket still lists the call; see {@link PostpaidCallWatch}. */
  record WatchCheck(String bucket) implements Command {}

  enum Resume implements Command {
    INSTANCE
  }

  enum Supervise implements Command {
    INSTANCE
  }

  enum IdleCheck implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  public record Decision(
      String callId,
      String decision,
      Optional<String> cause,
      Optional<String> destination,
      Optional<Boolean> onNet,
      boolean prepaid,
      long grantedSeconds)
      implements CborSerializable {}

  public record QuotaResult(long grantedSeconds, long totalGrantedSeconds, Optional<String> cause)
      implements CborSerializable {}

  public record EndResult(
      String callId, Phase state, long talkSeconds, long billedSeconds, long charge, long shortfall)
      implements CborSerializable {}

  public record CallView(
      String callId,
      Phase state,
      String caller,
      String called,
      Decision decision,
      Optional<String> cause,
      long totalGrantedSeconds,
      Instant startedAt,
      Optional<Instant> answeredAt,
      Optional<Instant> endedAt,
      long talkSeconds,
      long billedSeconds,
      long charge,
      long shortfall)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  /** Where the call goes and who pays. */
  public record Connection(
      String destination, boolean onNet, Optional<String> accountId, Tariff tariff)
      implements CborSerializable {
    boolean prepaid() {
      return accountId.isPresent();
    }
  }

  /** One quota slice: talk time granted and the reservation paying for it (amount 0: none). */
  public record Slice(String reservationId, long seconds, long amount)
      implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record CallConnected(
      String caller, String called, Instant startedAt, Connection connection, Optional<Slice> slice)
      implements Event {}

  public record CallAnswered(Instant at) implements Event {}

  /** {@code usedSeconds}: what the request said, which a replay must repeat (empty: not kept). */
  public record QuotaGranted(int requestNumber, Slice slice, Optional<Long> usedSeconds)
      implements Event {
    public QuotaGranted {
      if (usedSeconds == null) usedSeconds = Optional.empty();
    }
  }

  public record QuotaRefused(int requestNumber, String cause, Optional<Long> usedSeconds)
      implements Event {
    public QuotaRefused {
      if (usedSeconds == null) usedSeconds = Optional.empty();
    }
  }

  /** A quota request's answer and the {@code usedSeconds} it came with. */
  public record QuotaAnswer(QuotaResult result, Optional<Long> usedSeconds)
      implements CborSerializable {}

  /**
   * The call is over; carries its CDR. A prepaid call's CDR was written by the account together
   * with the deduction ({@code cdrOnAccount}), so this event is tagged for the CDR read model only
   * when it is not.
   */
  public record CallClosed(
      String caller,
      String called,
      Instant startedAt,
      Phase phase,
      Optional<String> cause,
      long talkSeconds,
      long billedSeconds,
      long charge,
      long shortfall,
      Instant endedAt,
      Cdr cdr,
      boolean cdrOnAccount,
      Optional<Long> endRequested)
      implements Event, CdrEvent {
    /**
     * {@code endRequested}: the talk time of the front end's end that closed the call, which a
     * replay must repeat; empty when the SCP closed it (or for events written before it was kept).
     */
    public CallClosed {
      if (endRequested == null) endRequested = Optional.empty();
    }

    @Override
    public Cdr chargingRecord() {
      return cdr;
    }
  }

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NoCall.class, name = "none"),
    @JsonSubTypes.Type(value = Call.class, name = "call")
  })
  public sealed interface State extends CborSerializable {}

  public record NoCall() implements State {}

  public record Call(
      String caller,
      String called,
      Instant startedAt,
      Phase phase,
      Optional<Connection> connection,
      List<Slice> slices,
      Optional<Instant> answeredAt,
      Map<Integer, QuotaAnswer> quotaAnswers,
      Optional<CallClosed> closed)
      implements State {

    long totalGranted() {
      return slices.stream().mapToLong(Slice::seconds).sum();
    }

    long reserved() {
      return slices.stream().mapToLong(Slice::amount).sum();
    }

    Call with(Phase phase) {
      return new Call(
          caller, called, startedAt, phase, connection, slices, answeredAt, quotaAnswers, closed);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, Settings settings, Clock clock) {
    CallPorts ports = new CallPorts(ClusterSharding.get(system), settings.askTimeout());
    WokenEntity.init(
        system,
        KEY,
        Stop.INSTANCE,
        (id, context, timers, passivate) ->
            new VpnCall(id, settings, ports, clock, context, timers, passivate));
  }

  /**
   * How accounts reach the calls their reservations belong to: a reservation id names its call. The
   * call decides whether the reservation is still its business.
   */
  public static PrepaidAccount.ReservationOwners reservationOwners(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return PrepaidAccount.ReservationOwners.of(
        reservationId -> callIdOf(reservationId).isPresent(),
        (accountId, reservationId) ->
            callIdOf(reservationId)
                .ifPresent(
                    callId ->
                        sharding
                            .entityRefFor(KEY, callId)
                            .tell(new ReservationCheck(accountId, reservationId))));
  }

  /** How the postpaid call watches reach the calls they list. */
  public static BiConsumer<String, String> watchedCalls(ActorSystem<?> system) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return (callId, bucket) -> sharding.entityRefFor(KEY, callId).tell(new WatchCheck(bucket));
  }

  static Optional<String> callIdOf(String reservationId) {
    int last = reservationId.lastIndexOf(':');
    return reservationId.startsWith(ReservationIds.CALL) && last > ReservationIds.CALL.length()
        ? Optional.of(reservationId.substring(ReservationIds.CALL.length(), last))
        : Optional.empty();
  }

  private final String callId;
  private final Settings settings;
  private final CallPorts ports;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;

  // Who waits for the step in flight. Not persisted: after a crash, callers retry with their ids.
  private Optional<Setup> setupInFlight = Optional.empty();
  private int setupAttempts;
  // Made when first needed: most calls never wait for a step, and a live call's heap counts.
  private List<ActorRef<StatusReply<Decision>>> setupWaiters = List.of();
  private Optional<RequestQuota> quotaInFlight = Optional.empty();
  private Map<Integer, List<ActorRef<StatusReply<QuotaResult>>>> quotaWaiters = Map.of();
  private List<ActorRef<StatusReply<EndResult>>> endWaiters = List.of();
  private Optional<Settlement> settling = Optional.empty();

  private VpnCall(
      String callId,
      Settings settings,
      CallPorts ports,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), callId), EntityRestart.WITH_BACKOFF);
    this.callId = callId;
    this.settings = settings;
    this.ports = ports;
    this.clock = clock;
    this.context = context;
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
    return new NoCall();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return event instanceof CallClosed closed && !closed.cdrOnAccount()
        ? Set.of(CdrEvent.TAG)
        : Set.of();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              armTimers(state);
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every call: see {@link EntityCommands}. */
  private static final EntityCommands<VpnCall, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return COMMANDS.of(this);
  }

  private static EntityCommands<VpnCall, Command, Event, State> commands() {
    EntityCommands.Builder<VpnCall, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forState(NoCall.class)
        .on(Setup.class, VpnCall::onSetup)
        .on(SetupDone.class, VpnCall::onSetupDone)
        .on(StepFailed.class, VpnCall::onStepFailed)
        .on(ReservationCheck.class, VpnCall::onReservationCheck)
        .on(WatchCheck.class, VpnCall::onWatchCheck)
        .on(Resume.class, (e, s, c) -> e.resumeSetup())
        .on(
            Get.class,
            (e, s, c) -> e.whileSettingUp(e.Effect().reply(c.replyTo(), e.unknownCall())))
        .on(
            Answer.class,
            (e, s, c) -> e.whileSettingUp(e.Effect().reply(c.replyTo(), e.unknownCall())))
        .on(
            RequestQuota.class,
            (e, s, c) -> e.whileSettingUp(e.Effect().reply(c.replyTo(), e.unknownCall())))
        .on(
            End.class,
            (e, s, c) -> e.whileSettingUp(e.Effect().reply(c.replyTo(), e.unknownCall())))
        .on(QuotaDone.class, (e, s, c) -> e.Effect().noReply())
        .on(Settled.class, (e, s, c) -> e.Effect().noReply())
        .on(Supervise.class, (e, s, c) -> e.Effect().noReply())
        .on(IdleCheck.class, VpnCall::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    builder
        .forState(Call.class)
        .on(Setup.class, VpnCall::onSetupAgain)
        .on(Answer.class, VpnCall::onAnswer)
        .on(RequestQuota.class, VpnCall::onRequestQuota)
        .on(QuotaDone.class, VpnCall::onQuotaDone)
        .on(End.class, VpnCall::onEnd)
        .on(Settled.class, VpnCall::onSettled)
        .on(StepFailed.class, VpnCall::onStepFailed)
        .on(Resume.class, VpnCall::onResume)
        .on(Supervise.class, VpnCall::onSupervise)
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), StatusReply.success(e.view(s))))
        .on(SetupDone.class, (e, s, c) -> e.Effect().noReply())
        .on(ReservationCheck.class, VpnCall::onReservationCheck)
        .on(WatchCheck.class, VpnCall::onWatchCheck)
        .on(IdleCheck.class, VpnCall::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private <T> StatusReply<T> unknownCall() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_CALL, "call " + callId + " is not known"));
  }

  private <T> StatusReply<T> callOver(Call call) {
    return StatusReply.error(
        new Refusal(
            ErrorCode.CALL_ENDED, "call " + callId + " is " + phaseOf(call).name().toLowerCase()));
  }

  /** The persisted phase, or ENDING while the call's settlement is in flight. */
  private Phase phaseOf(Call call) {
    return settling.isPresent() && !call.phase().closed() ? Phase.ENDING : call.phase();
  }

  /** While setup is in flight other commands wait for its outcome. */
  private ReplyEffect<Event, State> whileSettingUp(ReplyEffect<Event, State> otherwise) {
    return setupInFlight.isPresent() ? Effect().stash() : otherwise;
  }

  // ---- setup

  private ReplyEffect<Event, State> onSetup(NoCall state, Setup cmd) {
    if (setupInFlight.isPresent()) {
      Setup running = setupInFlight.get();
      if (!running.caller().equals(cmd.caller()) || !running.called().equals(cmd.called())) {
        return Effect().reply(cmd.replyTo(), conflict());
      }
      setupWaiters = with(setupWaiters, cmd.replyTo());
      return Effect().noReply();
    }
    setupInFlight = Optional.of(cmd);
    setupAttempts = 1;
    setupWaiters = with(setupWaiters, cmd.replyTo());
    driveSetup(cmd);
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSetupAgain(Call call, Setup cmd) {
    if (!call.caller().equals(cmd.caller()) || !call.called().equals(cmd.called())) {
      return Effect().reply(cmd.replyTo(), conflict());
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(decision(call)));
  }

  private <T> StatusReply<T> conflict() {
    return StatusReply.error(
        new Refusal(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "call " + callId + " exists with another caller or called number"));
  }

  private void driveSetup(Setup setup) {
    CompletionStage<Command> outcome =
        ports
            .subscriber(setup.caller())
            .thenCompose(subscriber -> routeFor(subscriber, setup))
            .exceptionally(
                failure -> {
                  Optional<Refusal> refusal = refusal(failure);
                  if (refusal.isPresent())
                    return (Command) released(releaseCause(refusal.get().code()));
                  throw new CompletionException(failure);
                });
    context.pipeToSelf(
        outcome,
        (done, failure) ->
            failure == null ? done : new StepFailed("setup", String.valueOf(Asks.unwrap(failure))));
  }

  private CompletionStage<Command> routeFor(Subscriber.SubscriberView subscriber, Setup setup) {
    if (subscriber.profile().status() == Subscriber.Status.SUSPENDED) {
      return CompletableFuture.completedFuture(released(ErrorCode.SUBSCRIBER_SUSPENDED.name()));
    }
    if (subscriber.vpn().isEmpty())
      return CompletableFuture.completedFuture(released(ErrorCode.NOT_VPN_MEMBER.name()));
    Optional<String> accountId = subscriber.profile().prepaidAccountId();
    return ports
        .route(subscriber.vpn().get().groupId(), setup.caller(), setup.called())
        .thenCompose(
            routing -> {
              var connection =
                  new Connection(
                      routing.destination(), routing.onNet(), accountId, routing.tariff());
              if (accountId.isEmpty()) {
                return ports
                    .watchPostpaid(callId)
                    .thenApply(
                        done -> new SetupDone(Optional.of(connection), Optional.empty(), ""));
              }
              if (firstSliceIsPaid(connection)) {
                // The reservation checks the account itself, for the same reasons in the same
                // order as authenticate: one round trip to the account instead of two.
                return reserveSlice(connection, 0, 1)
                    .thenApply(slice -> new SetupDone(Optional.of(connection), slice, ""));
              }
              return ports
                  .authenticate(accountId.get())
                  .thenCompose(
                      auth ->
                          auth.ok()
                              ? reserveSlice(connection, 0, 1)
                                  .thenApply(
                                      slice -> new SetupDone(Optional.of(connection), slice, ""))
                              : CompletableFuture.completedFuture(
                                  released(
                                      auth.reason()
                                          .map(Enum::name)
                                          .orElse(ErrorCode.INSUFFICIENT_FUNDS.name()))));
            });
  }

  private boolean firstSliceIsPaid(Connection connection) {
    long first = fullSlice(connection, 0);
    return first > 0 && connection.tariff().sliceCost(0, first, connection.onNet()) > 0;
  }

  /** Talk time the next slice asks for: a quota, capped by what is left of the longest call. */
  private long fullSlice(Connection connection, long grantedBefore) {
    return connection
        .tariff()
        .affordableSlice(
            grantedBefore, settings.quotaSeconds(), Long.MAX_VALUE, connection.onNet());
  }

  private static SetupDone released(String cause) {
    return new SetupDone(Optional.empty(), Optional.empty(), cause);
  }

  /** UNKNOWN_GROUP means the caller's group record is gone: not (or no longer) a member. */
  private static String releaseCause(ErrorCode code) {
    return code == ErrorCode.UNKNOWN_GROUP ? ErrorCode.NOT_VPN_MEMBER.name() : code.name();
  }

  private ReplyEffect<Event, State> onSetupDone(NoCall state, SetupDone done) {
    if (setupInFlight.isEmpty()) return Effect().noReply();
    Setup setup = setupInFlight.get();
    Instant now = clock.instant();
    Event event =
        done.connection().isPresent()
            ? new CallConnected(
                setup.caller(), setup.called(), now, done.connection().get(), done.slice())
            : closedAtSetup(setup.caller(), setup.called(), now, now, done.cause());
    setupInFlight = Optional.empty();
    return completeSetup(event);
  }

  private ReplyEffect<Event, State> completeSetup(Event event) {
    List<ActorRef<StatusReply<Decision>>> waiters = setupWaiters;
    setupWaiters = List.of();
    return Effect()
        .persist(event)
        .thenRun(
            s -> {
              Decision decision = decision((Call) s);
              waiters.forEach(w -> w.tell(StatusReply.success(decision)));
              armTimers(s);
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  /** A call refused at setup: released with a cause, nothing charged. */
  private CallClosed closedAtSetup(
      String caller, String called, Instant startedAt, Instant now, String cause) {
    var cdr =
        new Cdr(
            "call:" + callId,
            Cdr.Type.CALL,
            caller,
            Optional.empty(),
            Optional.of(callId),
            Optional.of(caller),
            Optional.of(called),
            Optional.empty(),
            Optional.empty(),
            Optional.of(RELEASE),
            Optional.of(cause),
            startedAt,
            Optional.empty(),
            now,
            0,
            0,
            0,
            0);
    return new CallClosed(
        caller,
        called,
        startedAt,
        Phase.RELEASED,
        Optional.of(cause),
        0,
        0,
        0,
        0,
        now,
        cdr,
        false,
        Optional.empty());
  }

  private ReplyEffect<Event, State> resumeSetup() {
    setupInFlight.ifPresent(this::driveSetup);
    return Effect().noReply();
  }

  // ---- quota slices

  /**
   * Reserves the next slice: the largest whole number of billing increments up to the configured
   * quota that the account covers, offered to the account as a descending list of amounts.
   */
  private CompletionStage<Optional<Slice>> reserveSlice(
      Connection connection, long grantedBefore, int number) {
    Tariff tariff = connection.tariff();
    long full = fullSlice(connection, grantedBefore);
    if (full == 0)
      return CompletableFuture.failedFuture(
          new Refusal(ErrorCode.INSUFFICIENT_FUNDS, "no time left"));
    String reservationId = reservationId(number);
    if (tariff.sliceCost(grantedBefore, grantedBefore + full, connection.onNet()) == 0) {
      return CompletableFuture.completedFuture(Optional.of(new Slice(reservationId, full, 0)));
    }
    Map<Long, Long> secondsByAmount = new LinkedHashMap<>();
    for (long s = full; s > 0; s = nextSmaller(s, tariff.billingIncrementSeconds())) {
      secondsByAmount.putIfAbsent(
          tariff.sliceCost(grantedBefore, grantedBefore + s, connection.onNet()), s);
    }
    List<Long> amounts = secondsByAmount.keySet().stream().filter(a -> a > 0).toList();
    return ports
        .reserve(
            connection.accountId().orElseThrow(), reservationId, amounts, reservationTtl(tariff))
        .thenApply(
            r -> {
              // A replayed id answers a reservation refunded meanwhile as closed: not usable.
              if (r.state() != PrepaidAccount.ReservationState.OPEN) {
                throw new Refusal(
                    ErrorCode.RESERVATION_CLOSED, "reservation " + reservationId + " is closed");
              }
              return Optional.of(
                  new Slice(reservationId, secondsByAmount.get(r.amount()), r.amount()));
            });
  }

  /** Slice sizes step down to whole billing increments. */
  private static long nextSmaller(long seconds, int increment) {
    long whole = (seconds / increment) * increment;
    return whole == seconds ? seconds - increment : whole;
  }

  private String reservationId(int number) {
    return ReservationIds.CALL + callId + ":" + number;
  }

  /** Long enough for the longest possible call, so money stays frozen while the call may use it. */
  private Duration reservationTtl(Tariff tariff) {
    return settings
        .answerTimeout()
        .plusSeconds(tariff.maxCallSeconds())
        .plus(settings.endGrace())
        .plus(settings.reservationMargin());
  }

  private ReplyEffect<Event, State> onRequestQuota(Call call, RequestQuota cmd) {
    QuotaAnswer known = call.quotaAnswers().get(cmd.requestNumber());
    if (known != null) {
      if (known.usedSeconds().isPresent() && known.usedSeconds().get() != cmd.usedSeconds()) {
        return Effect().reply(cmd.replyTo(), otherQuota(cmd.requestNumber(), known.usedSeconds()));
      }
      return Effect().reply(cmd.replyTo(), StatusReply.success(known.result()));
    }
    if (phaseOf(call) != Phase.CONNECTED && phaseOf(call) != Phase.ANSWERED) {
      return Effect().reply(cmd.replyTo(), callOver(call));
    }
    Connection connection = call.connection().orElseThrow();
    if (!connection.prepaid()) {
      // Nothing to reserve: a postpaid call has its maximum from the start. The answer is kept
      // like a prepaid one's, so a replay after the call ended answers it again, not CALL_ENDED.
      return Effect()
          .persist(
              new QuotaRefused(
                  cmd.requestNumber(), "MAX_CALL_DURATION", Optional.of(cmd.usedSeconds())))
          .thenReply(
              cmd.replyTo(),
              s ->
                  StatusReply.success(((Call) s).quotaAnswers().get(cmd.requestNumber()).result()));
    }
    if (quotaInFlight.isPresent()) {
      RequestQuota inFlight = quotaInFlight.get();
      if (inFlight.requestNumber() != cmd.requestNumber()) return Effect().stash();
      if (inFlight.usedSeconds() != cmd.usedSeconds()) {
        return Effect()
            .reply(
                cmd.replyTo(),
                otherQuota(cmd.requestNumber(), Optional.of(inFlight.usedSeconds())));
      }
      quotaWaiters.get(cmd.requestNumber()).add(cmd.replyTo());
      return Effect().noReply();
    }
    quotaInFlight = Optional.of(cmd);
    if (quotaWaiters.isEmpty()) quotaWaiters = new HashMap<>();
    quotaWaiters.computeIfAbsent(cmd.requestNumber(), n -> new ArrayList<>()).add(cmd.replyTo());
    driveQuota(call, cmd);
    return Effect().noReply();
  }

  /** A request number is a quota request's idempotency key: another usedSeconds is no replay. */
  private StatusReply<QuotaResult> otherQuota(int requestNumber, Optional<Long> usedSeconds) {
    return StatusReply.error(
        new Refusal(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "quota request "
                + requestNumber
                + " of call "
                + callId
                + " was made with usedSeconds "
                + usedSeconds.orElseThrow()));
  }

  private void driveQuota(Call call, RequestQuota request) {
    Connection connection = call.connection().orElseThrow();
    long before = call.totalGranted();
    String maxed = before >= connection.tariff().maxCallSeconds() ? "MAX_CALL_DURATION" : null;
    CompletionStage<QuotaDone> outcome =
        maxed != null
            ? CompletableFuture.completedFuture(
                new QuotaDone(request.requestNumber(), Optional.empty(), maxed))
            : reserveSlice(connection, before, call.slices().size() + 1)
                .thenApply(slice -> new QuotaDone(request.requestNumber(), slice, ""))
                .exceptionally(
                    failure -> {
                      Optional<Refusal> refusal = refusal(failure);
                      if (refusal.isPresent()) {
                        return new QuotaDone(
                            request.requestNumber(), Optional.empty(), refusal.get().code().name());
                      }
                      throw new CompletionException(failure);
                    });
    context.pipeToSelf(
        outcome,
        (done, failure) ->
            failure == null ? done : new StepFailed("quota", String.valueOf(Asks.unwrap(failure))));
  }

  private ReplyEffect<Event, State> onQuotaDone(Call call, QuotaDone done) {
    if (quotaInFlight.isEmpty() || quotaInFlight.get().requestNumber() != done.requestNumber()) {
      return Effect().noReply();
    }
    Optional<Long> used = Optional.of(quotaInFlight.get().usedSeconds());
    quotaInFlight = Optional.empty();
    List<ActorRef<StatusReply<QuotaResult>>> waiters =
        quotaWaiters.getOrDefault(done.requestNumber(), List.of());
    if (!waiters.isEmpty()) quotaWaiters.remove(done.requestNumber());
    if (quotaWaiters.isEmpty()) quotaWaiters = Map.of();
    Event event =
        done.slice().isPresent()
            ? new QuotaGranted(done.requestNumber(), done.slice().get(), used)
            : new QuotaRefused(done.requestNumber(), done.cause(), used);
    return Effect()
        .persist(event)
        .thenRun(
            s -> {
              QuotaResult result = ((Call) s).quotaAnswers().get(done.requestNumber()).result();
              waiters.forEach(w -> w.tell(StatusReply.success(result)));
              armTimers(s);
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  // ---- answer and end

  private ReplyEffect<Event, State> onAnswer(Call call, Answer cmd) {
    // A repeated answer (the call was answered, maybe ended since) answers the call as it is; a
    // first answer after the call was released or ended unanswered is too late.
    if (call.answeredAt().isPresent())
      return Effect().reply(cmd.replyTo(), StatusReply.success(view(call)));
    if (phaseOf(call) != Phase.CONNECTED) return Effect().reply(cmd.replyTo(), callOver(call));
    return Effect()
        .persist(new CallAnswered(clock.instant()))
        .thenRun(this::armTimers)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(view((Call) s)));
  }

  private ReplyEffect<Event, State> onEnd(Call call, End cmd) {
    switch (phaseOf(call)) {
      case ENDED:
        Optional<Long> ended = call.closed().flatMap(CallClosed::endRequested);
        if (ended.isPresent() && ended.get() != cmd.talkSeconds()) {
          return Effect().reply(cmd.replyTo(), otherEnd(ended.get()));
        }
        return Effect().reply(cmd.replyTo(), StatusReply.success(endResult(call)));
      case RELEASED:
        return Effect().reply(cmd.replyTo(), callOver(call));
      case ENDING:
        Optional<Long> ending = settling.flatMap(Settlement::requested);
        if (ending.isPresent() && ending.get() != cmd.talkSeconds()) {
          return Effect().reply(cmd.replyTo(), otherEnd(ending.get()));
        }
        endWaiters = with(endWaiters, cmd.replyTo());
        return Effect().noReply();
      default:
        if (quotaInFlight.isPresent()) return Effect().stash();
        long talk = call.phase() == Phase.ANSWERED ? cmd.talkSeconds() : 0;
        endWaiters = with(endWaiters, cmd.replyTo());
        return settle(call, talk, Phase.ENDED, Optional.empty(), Optional.of(cmd.talkSeconds()));
    }
  }

  /**
   * The call id is the end's idempotency key: an end repeated with another talk time is not a
   * replay. (An end after the SCP closed the call itself answers the figures it closed with.)
   */
  private StatusReply<EndResult> otherEnd(long talkSeconds) {
    return StatusReply.error(
        new Refusal(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "call " + callId + " was ended with talkSeconds " + talkSeconds));
  }

  /**
   * The end of a call as fixed when it ends: kept in memory only. A prepaid call's money and CDR
   * are then written by its account in one event, and the call closes after it; if the node dies in
   * between, a retried end finds the settlement done and closes with what was charged.
   */
  private record Settlement(
      long talkSeconds,
      long billedSeconds,
      long charge,
      Instant endedAt,
      Phase outcome,
      Optional<String> cause,
      Optional<Long> requested) {}

  /**
   * Fixes the charge; a postpaid call closes at once, a prepaid one after its account settles.
   * {@code requested} is the talk time of the front end's end, empty when the SCP closes the call.
   */
  private ReplyEffect<Event, State> settle(
      Call call, long talk, Phase outcome, Optional<String> cause, Optional<Long> requested) {
    Connection connection = call.connection().orElseThrow();
    Tariff tariff = connection.tariff();
    var settlement =
        new Settlement(
            talk,
            tariff.billedSeconds(talk),
            tariff.charge(talk, connection.onNet()),
            clock.instant(),
            outcome,
            cause,
            requested);
    if (!connection.prepaid()) {
      return Effect()
          .persist(closed(call, settlement, settlement.charge(), false))
          .thenRun(this::afterClose)
          .thenNoReply();
    }
    settling = Optional.of(settlement);
    driveSettlement(call);
    return Effect().noReply();
  }

  /**
   * Asks the account to charge the slices in order and refund each, writing the CDR with it. A call
   * without any reserved money (free slices only) settles without its account.
   */
  private void driveSettlement(Call call) {
    Settlement settlement = settling.orElseThrow();
    String accountId = call.connection().orElseThrow().accountId().orElseThrow();
    List<PrepaidAccount.SliceCharge> charges = new ArrayList<>();
    long left = settlement.charge();
    for (Slice slice : call.slices()) {
      if (slice.amount() == 0) continue;
      long amount = Math.min(left, slice.amount());
      left -= amount;
      charges.add(
          new PrepaidAccount.SliceCharge(
              slice.reservationId(), slice.reservationId() + ":charge", amount));
    }
    if (charges.isEmpty()) {
      context.getSelf().tell(new Settled(0, false));
      return;
    }
    Cdr cdr = cdr(call, settlement, settlement.charge());
    context.pipeToSelf(
        ports
            .settleCall(accountId, charges, cdr)
            .thenApply(done -> new Settled(done.charged(), true))
            .exceptionally(failure -> ifAccountGone(failure, new Settled(0, false))),
        (settled, failure) ->
            failure == null
                ? settled
                : new StepFailed("settlement", String.valueOf(Asks.unwrap(failure))));
  }

  /** An account that no longer exists cannot be charged: the whole charge becomes shortfall. */
  private static <T> T ifAccountGone(Throwable failure, T value) {
    Optional<Refusal> refusal = refusal(failure);
    if (refusal.isPresent() && refusal.get().code() == ErrorCode.ACCOUNT_NOT_FOUND) return value;
    throw new CompletionException(failure);
  }

  private ReplyEffect<Event, State> onSettled(Call call, Settled settled) {
    if (settling.isEmpty() || call.phase().closed()) return Effect().noReply();
    return Effect()
        .persist(closed(call, settling.get(), settled.charged(), settled.cdrOnAccount()))
        .thenRun(this::afterClose)
        .thenNoReply();
  }

  private CallClosed closed(Call call, Settlement settlement, long charged, boolean cdrOnAccount) {
    return new CallClosed(
        call.caller(),
        call.called(),
        call.startedAt(),
        settlement.outcome(),
        settlement.cause(),
        settlement.talkSeconds(),
        settlement.billedSeconds(),
        charged,
        settlement.charge() - charged,
        settlement.endedAt(),
        cdr(call, settlement, charged),
        cdrOnAccount,
        settlement.requested());
  }

  private Cdr cdr(Call call, Settlement settlement, long charged) {
    Connection connection = call.connection().orElseThrow();
    return new Cdr(
        "call:" + callId,
        Cdr.Type.CALL,
        call.caller(),
        connection.accountId(),
        Optional.of(callId),
        Optional.of(call.caller()),
        Optional.of(call.called()),
        Optional.of(connection.destination()),
        Optional.of(connection.onNet()),
        Optional.of(CONNECT),
        settlement.cause(),
        call.startedAt(),
        call.answeredAt(),
        settlement.endedAt(),
        settlement.talkSeconds(),
        settlement.billedSeconds(),
        charged,
        settlement.charge() - charged);
  }

  private void afterClose(State state) {
    Call call = (Call) state;
    settling = Optional.empty();
    timers.cancel(Supervise.INSTANCE);
    if (call.connection().isPresent() && !call.connection().get().prepaid()) {
      ports.forgetPostpaid(callId);
    }
    List<ActorRef<StatusReply<EndResult>>> waiters = endWaiters;
    endWaiters = List.of();
    StatusReply<EndResult> reply =
        call.phase() == Phase.ENDED ? StatusReply.success(endResult(call)) : callOver(call);
    waiters.forEach(w -> w.tell(reply));
    armTimers(state);
  }

  // ---- failures, supervision, passivation

  private ReplyEffect<Event, State> onStepFailed(State state, StepFailed failed) {
    context
        .getLog()
        .warn("call {}: {} step failed ({}), retrying", callId, failed.step(), failed.reason());
    if (failed.step().equals("setup") && ++setupAttempts > settings.maxSetupAttempts()) {
      setupAttempts = 0;
      return onSetupDone(new NoCall(), released("SYSTEM_FAILURE"));
    }
    timers.startSingleTimer("retry", Resume.INSTANCE, settings.retryDelay());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onResume(Call call, Resume resume) {
    if (settling.isPresent() && !call.phase().closed()) driveSettlement(call);
    quotaInFlight.ifPresent(q -> driveQuota(call, q));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onSupervise(Call call, Supervise supervise) {
    if (settling.isPresent()) return Effect().noReply();
    Optional<Instant> deadline = supervisionDeadline(call);
    if (deadline.isEmpty()) return Effect().noReply();
    if (clock.instant().isBefore(deadline.get())) {
      armTimers(call);
      return Effect().noReply();
    }
    if (quotaInFlight.isPresent()) return Effect().stash();
    if (call.phase() == Phase.CONNECTED) {
      context.getLog().info("call {} was never answered; releasing it", callId);
      return settle(call, 0, Phase.RELEASED, Optional.of("NO_ANSWER"), Optional.empty());
    }
    context.getLog().info("call {} was never ended; ending it with its granted time", callId);
    return settle(
        call,
        grantedSeconds(call),
        Phase.ENDED,
        Optional.of("SUPERVISION_TIMEOUT"),
        Optional.empty());
  }

  private Optional<Instant> supervisionDeadline(Call call) {
    return switch (call.phase()) {
      case CONNECTED -> Optional.of(call.startedAt().plus(settings.answerTimeout()));
      case ANSWERED ->
          Optional.of(
              call.answeredAt()
                  .orElseThrow()
                  .plusSeconds(grantedSeconds(call))
                  .plus(settings.endGrace()));
      default -> Optional.empty();
    };
  }

  /** Talk time granted so far: the slices of a prepaid call, the maximum for a postpaid one. */
  private static long grantedSeconds(Call call) {
    Connection connection = call.connection().orElseThrow();
    return connection.prepaid() ? call.totalGranted() : connection.tariff().maxCallSeconds();
  }

  private void armTimers(State state) {
    if (state instanceof Call call) {
      Optional<Instant> deadline = supervisionDeadline(call);
      if (deadline.isPresent()) {
        Duration delay = Duration.between(clock.instant(), deadline.get());
        timers.startSingleTimer(
            Supervise.INSTANCE, Supervise.INSTANCE, delay.isNegative() ? Duration.ZERO : delay);
      }
      if (!call.phase().closed()) return;
    }
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.closedLinger());
  }

  /**
   * A reservation the account still holds for this call. A live call (setting up or not yet closed)
   * owns it; being started by the message is the point. Otherwise it is left over from a step that
   * was interrupted (a node died between the account's answer and the call's event) and nothing
   * will settle it: it is refunded now rather than at its expiry.
   */
  private ReplyEffect<Event, State> onReservationCheck(State state, ReservationCheck check) {
    if (!isLive(state)) {
      context
          .getLog()
          .info("call {}: refunding reservation {} left over", callId, check.reservationId());
      ports.refund(check.accountId(), check.reservationId());
    }
    return Effect().noReply();
  }

  /** The watch lists this call: a live call stays listed, a closed or unknown one is forgotten. */
  private ReplyEffect<Event, State> onWatchCheck(State state, WatchCheck check) {
    if (!isLive(state)) ports.forgetPostpaid(callId);
    return Effect().noReply();
  }

  /** Setting up, or connected and not closed yet. */
  private boolean isLive(State state) {
    return setupInFlight.isPresent() || (state instanceof Call call && !call.phase().closed());
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    if (!isLive(state)) passivate.run();
    return Effect().noReply();
  }

  private static Optional<Refusal> refusal(Throwable failure) {
    return Asks.unwrap(failure) instanceof Refusal r ? Optional.of(r) : Optional.empty();
  }

  // ---------------------------------------------------------------- views

  private Decision decision(Call call) {
    boolean releasedAtSetup =
        call.closed().map(c -> c.cdr().decision().equals(Optional.of(RELEASE))).orElse(false);
    if (call.connection().isEmpty() || releasedAtSetup) {
      return new Decision(
          callId,
          RELEASE,
          call.closed().flatMap(CallClosed::cause),
          Optional.empty(),
          Optional.empty(),
          false,
          0);
    }
    Connection c = call.connection().get();
    long granted =
        c.prepaid()
            ? call.slices().isEmpty() ? 0 : call.slices().get(0).seconds()
            : c.tariff().maxCallSeconds();
    return new Decision(
        callId,
        CONNECT,
        Optional.empty(),
        Optional.of(c.destination()),
        Optional.of(c.onNet()),
        c.prepaid(),
        granted);
  }

  private EndResult endResult(Call call) {
    CallClosed closed = call.closed().orElseThrow();
    return new EndResult(
        callId,
        closed.phase(),
        closed.talkSeconds(),
        closed.billedSeconds(),
        closed.charge(),
        closed.shortfall());
  }

  /**
   * What GET shows. A call being settled still shows its persisted phase (api.md knows no ENDING):
   * it is ENDED once its money is.
   */
  private CallView view(Call call) {
    Optional<CallClosed> closed = call.closed();
    Connection connection = call.connection().orElse(null);
    long totalGranted = connection == null ? 0 : grantedSeconds(call);
    return new CallView(
        callId,
        call.phase(),
        call.caller(),
        call.called(),
        decision(call),
        closed.flatMap(CallClosed::cause),
        totalGranted,
        call.startedAt(),
        call.answeredAt(),
        closed.map(CallClosed::endedAt),
        closed.map(CallClosed::talkSeconds).orElse(0L),
        closed.map(CallClosed::billedSeconds).orElse(0L),
        closed.map(CallClosed::charge).orElse(0L),
        closed.map(CallClosed::shortfall).orElse(0L));
  }

  // ---------------------------------------------------------------- events

  /** Pure, so one for every call (Pekko keeps an entity's handler while it lives). */
  private static final EventHandler<State, Event> EVENTS = events();

  @Override
  public EventHandler<State, Event> eventHandler() {
    return EVENTS;
  }

  private static EventHandler<State, Event> events() {
    EventHandlerBuilder<State, Event> builder = EventHandlerBuilder.builder();
    builder
        .forStateType(NoCall.class)
        .onEvent(
            CallConnected.class,
            (s, e) ->
                new Call(
                    e.caller(),
                    e.called(),
                    e.startedAt(),
                    Phase.CONNECTED,
                    Optional.of(e.connection()),
                    e.slice().map(List::of).orElse(List.of()),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty()))
        .onEvent(
            CallClosed.class,
            (s, e) ->
                new Call(
                    e.caller(),
                    e.called(),
                    e.startedAt(),
                    Phase.RELEASED,
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    Map.of(),
                    Optional.of(e)));
    builder
        .forStateType(Call.class)
        .onEvent(
            CallConnected.class,
            (s, e) ->
                new Call(
                    s.caller(),
                    s.called(),
                    s.startedAt(),
                    Phase.CONNECTED,
                    Optional.of(e.connection()),
                    e.slice().map(List::of).orElse(List.of()),
                    Optional.empty(),
                    s.quotaAnswers(),
                    Optional.empty()))
        .onEvent(
            CallAnswered.class,
            (s, e) ->
                new Call(
                    s.caller(),
                    s.called(),
                    s.startedAt(),
                    Phase.ANSWERED,
                    s.connection(),
                    s.slices(),
                    Optional.of(e.at()),
                    s.quotaAnswers(),
                    s.closed()))
        .onEvent(
            QuotaGranted.class,
            (s, e) -> {
              List<Slice> slices = new ArrayList<>(s.slices());
              slices.add(e.slice());
              long total = slices.stream().mapToLong(Slice::seconds).sum();
              return new Call(
                  s.caller(),
                  s.called(),
                  s.startedAt(),
                  s.phase(),
                  s.connection(),
                  List.copyOf(slices),
                  s.answeredAt(),
                  withAnswer(
                      s.quotaAnswers(),
                      e.requestNumber(),
                      new QuotaAnswer(
                          new QuotaResult(e.slice().seconds(), total, Optional.empty()),
                          e.usedSeconds())),
                  s.closed());
            })
        .onEvent(
            QuotaRefused.class,
            (s, e) ->
                new Call(
                    s.caller(),
                    s.called(),
                    s.startedAt(),
                    s.phase(),
                    s.connection(),
                    s.slices(),
                    s.answeredAt(),
                    withAnswer(
                        s.quotaAnswers(),
                        e.requestNumber(),
                        new QuotaAnswer(
                            new QuotaResult(0, grantedSeconds(s), Optional.of(e.cause())),
                            e.usedSeconds())),
                    s.closed()))
        .onEvent(
            CallClosed.class,
            (s, e) ->
                new Call(
                    s.caller(),
                    s.called(),
                    s.startedAt(),
                    e.phase(),
                    s.connection(),
                    s.slices(),
                    s.answeredAt(),
                    s.quotaAnswers(),
                    Optional.of(e)));
    return builder.build();
  }

  /** {@code list} with one more item: a list of its own once it has any. */
  private static <T> List<T> with(List<T> list, T item) {
    List<T> more = list.isEmpty() ? new ArrayList<>(2) : list;
    more.add(item);
    return more;
  }

  /**
   * The quota answers with one more: a new map, as most calls never ask for a second slice and
   * share the empty one.
   */
  private static Map<Integer, QuotaAnswer> withAnswer(
      Map<Integer, QuotaAnswer> answers, int requestNumber, QuotaAnswer answer) {
    Map<Integer, QuotaAnswer> more = new LinkedHashMap<>(answers);
    more.put(requestNumber, answer);
    return more;
  }
}
