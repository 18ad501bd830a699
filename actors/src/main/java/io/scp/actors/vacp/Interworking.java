package io.scp.actors.vacp;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.account.ReservationIds;
import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import io.scp.actors.subscriber.Subscriber;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
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
 * A user's interworking setting: the user (MSISDN), through consumer platform A, uses provider B's
 * capability (pull) or receives B's events (push). Keyed by {@link #entityId}.
 *
 * <p>Setup: the setting is tracked in the user's index ({@link VacpUser}), then the user is checked
 * (known, active, subscribed to both A's and B's services) and the authorisation (present, valid
 * now). A pull setting is then stored active; a push setting is stored pending and B is asked
 * ({@code interworking-setup}) and must acknowledge; B refusing, failing or not answering in time
 * leaves it inactive. Once active, A is told ({@code interworking-setup}) through the notice
 * outbox.
 *
 * <p>Uses accrue fees ({@link RecordUse}, idempotent per use id). Cancellation settles first: the
 * plan (amount, payer) is persisted, a prepaid user pays through a reservation, deduction and
 * refund whose ids derive from the setting's epoch (so retries never charge twice), a postpaid one
 * is billed through the CDR of the closing event; then A and B are told ({@code
 * interworking-cancelled}). A remembered entity: pending steps resume after a restart.
 */
public final class Interworking
    extends EventSourcedBehaviorWithEnforcedReplies<
        Interworking.Command, Interworking.Event, Interworking.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpInterworking");

  public static String entityId(String msisdn, String consumerPlatformId, String capabilityId) {
    return msisdn + "/" + consumerPlatformId + "/" + capabilityId;
  }

  public enum Mode {
    PULL,
    PUSH
  }

  public enum CancelReason {
    /** Cancelled by the consumer platform. */
    CANCELLED,
    /** The user dropped a service the setting involves. */
    SERVICE_UNSUBSCRIBED
  }

  public enum Status {
    /** Stored, waiting for the provider's acknowledgement. */
    PENDING,
    ACTIVE
  }

  /** Quiet hours as {@code HH:MM} (UTC); {@code from} after {@code to} spans midnight. */
  public record QuietHours(String from, String to) implements CborSerializable {}

  public record ReceiveConditions(
      Optional<QuietHours> quietHours, boolean onlyWhenImsRegistered, Optional<Integer> maxPerHour)
      implements CborSerializable {}

  /** What the consumer asked for, with the provider resolved from the capability. */
  public record Setting(
      String msisdn,
      String consumerPlatformId,
      String capabilityId,
      String providerPlatformId,
      String service,
      Mode mode,
      ReceiveConditions conditions)
      implements CborSerializable {

    String id() {
      return entityId(msisdn, consumerPlatformId, capabilityId);
    }
  }

  public record InterworkingView(
      String interworkingId,
      Setting setting,
      Status status,
      Optional<Instant> activatedAt,
      long accrued,
      long uses)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  public record Setup(Setting setting, ActorRef<StatusReply<SetupResult>> replyTo)
      implements Command {}

  public record SetupResult(InterworkingView interworking, boolean created)
      implements CborSerializable {}

  public record Cancel(CancelReason reason, ActorRef<StatusReply<Settled>> replyTo)
      implements Command {}

  /** What the cancellation charged (prepaid: deducted; postpaid: billed). */
  public record Settled(long settled) implements CborSerializable {}

  /** One use of the setting with its fee (from the authorisation); a replayed use id is a no-op. */
  public record RecordUse(String useId, long fee, ActorRef<StatusReply<InterworkingView>> replyTo)
      implements Command {}

  /**
   * A use starts (an invocation is about to call the provider): a cancellation arriving meanwhile
   * waits for its {@link RecordUse} or {@link EndUse}, at most {@code hold}, so a use the provider
   * served is settled with the others rather than lost. Refused once a cancellation has begun.
   */
  public record BeginUse(
      String useId, Duration hold, ActorRef<StatusReply<InterworkingView>> replyTo)
      implements Command {}

  /** A use that began ends without a fee (the provider refused, failed or was not called). */
  public record EndUse(String useId) implements Command {}

  public record Get(ActorRef<StatusReply<InterworkingView>> replyTo) implements Command {}

  record ChecksDone(Setting setting, Optional<Refusal> refusal) implements Command {}

  record ProviderAnswered(Setting setting, PlatformGateway.Outcome outcome, String detail)
      implements Command {}

  record PayerFound(Optional<String> accountId) implements Command {}

  record SettlementDone(long charged) implements Command {}

  record StepFailed(String step, String detail) implements Command {}

  enum Resume implements Command {
    INSTANCE
  }

  /** The longest wait of a deferred cancellation for the uses in flight is over. */
  enum UsesHeld implements Command {
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

  /** A push setting is stored and waits for the provider. */
  public record SetupRequested(Setting setting) implements Event {}

  /** The setting is in force; the consumer is told through {@code notice}. */
  public record SettingActivated(Setting setting, Instant at, Notice notice) implements Event {}

  public record SetupFailed(Setting setting, ErrorCode cause) implements Event {}

  public record UseRecorded(String useId, long fee) implements Event {}

  /** The settlement plan: amount due, who pays, and the id its account commands derive from. */
  public record SettlementStarted(
      String settlementId, long amount, Optional<String> accountId, CancelReason reason, Instant at)
      implements Event {}

  /** The setting is cancelled and settled; carries the CDR and the notices to both platforms. */
  public record InterworkingCancelled(long charged, long shortfall, List<Notice> notices, Cdr cdr)
      implements Event, CdrEvent {
    @Override
    public Cdr chargingRecord() {
      return cdr;
    }
  }

  public record NoticeClosed(String noticeId, boolean delivered) implements Event {}

  // ---------------------------------------------------------------- state

  /**
   * {@code active}: the setting in force; {@code pending}: a push setting waiting for its provider
   * (a change of an active setting leaves the active one in force until the provider agrees).
   * {@code epoch} counts activations from nothing: accrual and settlement ids belong to one epoch.
   * The maps are mutated by the event handler only.
   */
  public record State(
      Optional<Setting> active,
      Optional<Instant> activatedAt,
      Optional<Setting> pending,
      int epoch,
      long revision,
      long accrued,
      long uses,
      LinkedHashMap<String, Long> useIds,
      Optional<SettlementStarted> settlement,
      Optional<Long> lastSettled,
      LinkedHashMap<String, Notice> notices)
      implements CborSerializable {

    static State empty() {
      return new State(
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          0,
          0,
          0,
          0,
          new LinkedHashMap<>(),
          Optional.empty(),
          Optional.empty(),
          new LinkedHashMap<>());
    }

    State withPending(Optional<Setting> pending) {
      return new State(
          active,
          activatedAt,
          pending,
          epoch,
          revision,
          accrued,
          uses,
          useIds,
          settlement,
          lastSettled,
          notices);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system, VacpPorts ports, VacpSettings settings, Clock clock) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(ports, settings, clock));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String interworkingId, VacpPorts ports, VacpSettings settings, Clock clock) {
    return RememberedEntity.standalone(interworkingId, factory(ports, settings, clock));
  }

  private static RememberedEntity.Factory<Command> factory(
      VacpPorts ports, VacpSettings settings, Clock clock) {
    return (id, context, timers, passivate) ->
        new Interworking(id, ports, settings, clock, context, timers, passivate);
  }

  private final String interworkingId;
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;
  private final NoticeSender<Command> notices;

  // Not persisted: the checks in flight and who waits; after a crash, callers retry.
  private Optional<Setting> checking = Optional.empty();
  private final List<Map.Entry<ActorRef<StatusReply<SetupResult>>, Boolean>> setupWaiters =
      new ArrayList<>();
  private boolean providerCallInFlight;
  private Optional<CancelReason> payerLookup = Optional.empty();
  private final List<ActorRef<StatusReply<Settled>>> cancelWaiters = new ArrayList<>();
  // Uses begun and not yet recorded or ended, with how long each may hold a cancellation back; a
  // cancellation that found some waits here. Lost in a crash: a fee recorded after a cancellation
  // that did not wait is refused (the invocation logs it).
  private final Map<String, Instant> usesInFlight = new HashMap<>();
  private Optional<CancelReason> deferredCancel = Optional.empty();
  private boolean settling;
  private int failures;

  private Interworking(
      String interworkingId,
      VacpPorts ports,
      VacpSettings settings,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), interworkingId), EntityRestart.WITH_BACKOFF);
    this.interworkingId = interworkingId;
    this.ports = ports;
    this.settings = settings;
    this.clock = clock;
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
    return State.empty();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return event instanceof CdrEvent ? Set.of(CdrEvent.TAG) : Set.of();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
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
              state.pending().ifPresent(this::callProvider);
              state.settlement().ifPresent(this::driveSettlement);
              notices.sendAll(state.notices());
              idle.arm();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return idle.counting(
        newCommandHandlerWithReplyBuilder()
            .forAnyState()
            .onCommand(Setup.class, this::onSetup)
            .onCommand(ChecksDone.class, this::onChecksDone)
            .onCommand(ProviderAnswered.class, this::onProviderAnswered)
            .onCommand(Cancel.class, this::onCancel)
            .onCommand(PayerFound.class, this::onPayerFound)
            .onCommand(SettlementDone.class, this::onSettlementDone)
            .onCommand(StepFailed.class, this::onStepFailed)
            .onCommand(Resume.class, this::onResume)
            .onCommand(RecordUse.class, this::onRecordUse)
            .onCommand(BeginUse.class, this::onBeginUse)
            .onCommand(
                EndUse.class,
                (s, c) -> {
                  useEnded(s, c.useId());
                  return Effect().noReply();
                })
            .onCommand(
                UsesHeld.class,
                (s, c) -> {
                  startDeferredCancel(s);
                  return Effect().noReply();
                })
            .onCommand(Get.class, this::onGet)
            .onCommand(NoticeAnswered.class, this::onNoticeAnswered)
            .onCommand(
                ResendNotice.class,
                (s, c) -> {
                  Notice notice = s.notices().get(c.noticeId());
                  if (notice != null) notices.send(notice);
                  return Effect().noReply();
                })
            .onCommand(IdleCheck.class, this::onIdleCheck)
            .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
            .build());
  }

  private <T> StatusReply<T> noInterworking() {
    return StatusReply.error(
        new Refusal(ErrorCode.NO_INTERWORKING, "no interworking setting " + interworkingId));
  }

  // ---- setup

  private ReplyEffect<Event, State> onSetup(State state, Setup cmd) {
    if (state.settlement().isPresent() || payerLookup.isPresent()) return Effect().stash();
    Optional<Setting> running = checking.or(state::pending);
    if (running.isPresent()) {
      if (!running.get().equals(cmd.setting())) return Effect().stash();
      setupWaiters.add(Map.entry(cmd.replyTo(), created(state)));
      return Effect().noReply();
    }
    if (state.active().equals(Optional.of(cmd.setting()))) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new SetupResult(activeView(state), false)));
    }
    checking = Optional.of(cmd.setting());
    setupWaiters.add(Map.entry(cmd.replyTo(), created(state)));
    runChecks(cmd.setting());
    return Effect().noReply();
  }

  private static boolean created(State state) {
    return state.active().isEmpty();
  }

  /** Tracks the setting in the user's index, then checks the user and the authorisation. */
  private void runChecks(Setting setting) {
    var link =
        new VacpUser.Link(
            interworkingId,
            setting.consumerPlatformId(),
            setting.capabilityId(),
            setting.providerPlatformId());
    CompletionStage<Optional<Refusal>> outcome =
        ports
            .<VacpUser.Command, Done>ask(
                VacpUser.KEY, setting.msisdn(), r -> new VacpUser.Track(link, r))
            .thenCompose(
                tracked ->
                    ports.<Subscriber.Command, Subscriber.SubscriberView>ask(
                        Subscriber.KEY, setting.msisdn(), Subscriber.Get::new))
            .thenCompose(
                subscriber -> {
                  checkUser(subscriber, setting);
                  return ports.<VacpAuthorization.Command, VacpAuthorization.AuthorizationView>ask(
                      VacpAuthorization.KEY,
                      VacpAuthorization.entityId(
                          setting.consumerPlatformId(), setting.capabilityId()),
                      VacpAuthorization.Get::new);
                })
            .thenApply(
                authorization -> {
                  if (!authorization.terms().validAt(clock.instant())) {
                    throw new Refusal(
                        ErrorCode.NOT_AUTHORIZED,
                        "the authorisation of "
                            + setting.consumerPlatformId()
                            + " for "
                            + setting.capabilityId()
                            + " is not valid now");
                  }
                  return Optional.<Refusal>empty();
                });
    context.pipeToSelf(
        outcome,
        (passed, failure) -> {
          if (failure == null) return new ChecksDone(setting, Optional.empty());
          if (Asks.unwrap(failure) instanceof Refusal refusal) {
            return new ChecksDone(setting, Optional.of(refusal));
          }
          return new StepFailed("checks", String.valueOf(Asks.unwrap(failure)));
        });
  }

  private static void checkUser(Subscriber.SubscriberView subscriber, Setting setting) {
    if (subscriber.profile().status() != Subscriber.Status.ACTIVE) {
      throw new Refusal(
          ErrorCode.SUBSCRIBER_SUSPENDED, "subscriber " + setting.msisdn() + " is suspended");
    }
    for (String service : List.of(setting.consumerPlatformId(), setting.providerPlatformId())) {
      if (!subscriber.services().contains(service)) {
        throw new Refusal(
            ErrorCode.NOT_SUBSCRIBED,
            "subscriber " + setting.msisdn() + " is not subscribed to service " + service);
      }
    }
  }

  private ReplyEffect<Event, State> onChecksDone(State state, ChecksDone done) {
    if (!checking.equals(Optional.of(done.setting()))) return Effect().noReply();
    checking = Optional.empty();
    Setting setting = done.setting();
    if (done.refusal().isPresent()) {
      answerSetup(StatusReply.error(done.refusal().get()), null);
      return Effect().noReply().thenUnstashAll();
    }
    if (setting.mode() == Mode.PULL) return activate(state, setting);
    return Effect()
        .persist(new SetupRequested(setting))
        .thenRun(s -> callProvider(setting))
        .thenNoReply();
  }

  /** Asks B to set the push setting up; B's platform record gives its current address. */
  private void callProvider(Setting setting) {
    if (providerCallInFlight) return;
    providerCallInFlight = true;
    CompletionStage<PlatformGateway.Response> answer =
        ports
            .<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
                VacpPlatform.KEY, setting.providerPlatformId(), VacpPlatform.Get::new)
            .thenCompose(
                provider ->
                    ports.call(provider.endpoint(), "interworking-setup", fields(setting).build()));
    context.pipeToSelf(
        answer,
        (response, failure) ->
            failure == null
                ? new ProviderAnswered(setting, response.outcome(), response.reason())
                : new ProviderAnswered(
                    setting, PlatformGateway.Outcome.FAILED, String.valueOf(Asks.unwrap(failure))));
  }

  private ReplyEffect<Event, State> onProviderAnswered(State state, ProviderAnswered answer) {
    providerCallInFlight = false;
    if (!state.pending().equals(Optional.of(answer.setting()))) return Effect().noReply();
    if (answer.outcome() == PlatformGateway.Outcome.ACCEPTED) {
      return activate(state, answer.setting());
    }
    ErrorCode cause =
        switch (answer.outcome()) {
          case REJECTED -> ErrorCode.PROVIDER_REJECTED;
          case TIMEOUT -> ErrorCode.PROVIDER_TIMEOUT;
          default -> ErrorCode.PROVIDER_FAILED;
        };
    String provider = answer.setting().providerPlatformId();
    context
        .getLog()
        .info(
            "interworking {}: provider {} {} ({})",
            interworkingId,
            provider,
            cause,
            answer.detail());
    var refusal =
        new Refusal(
            cause,
            "provider platform "
                + provider
                + " did not set the interworking up: "
                + answer.detail());
    return Effect()
        .persist(new SetupFailed(answer.setting(), cause))
        .thenRun(s -> answerSetup(StatusReply.error(refusal), null))
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> activate(State state, Setting setting) {
    long revision = state.revision() + 1;
    var notice =
        new Notice(
            "interworking-setup:" + interworkingId + ":" + revision,
            setting.consumerPlatformId(),
            "interworking-setup",
            fields(setting).text("status", Status.ACTIVE.name()).build());
    return Effect()
        .persist(new SettingActivated(setting, clock.instant(), notice))
        .thenRun(
            s -> {
              answerSetup(null, s);
              notices.send(notice);
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  /** Answers every waiting setup: with {@code failure}, or with the active setting of {@code s}. */
  private void answerSetup(StatusReply<SetupResult> failure, State s) {
    List<Map.Entry<ActorRef<StatusReply<SetupResult>>, Boolean>> all = List.copyOf(setupWaiters);
    setupWaiters.clear();
    for (var waiter : all) {
      waiter
          .getKey()
          .tell(
              failure != null
                  ? failure
                  : StatusReply.success(new SetupResult(activeView(s), waiter.getValue())));
    }
  }

  // ---- uses

  private ReplyEffect<Event, State> onRecordUse(State state, RecordUse cmd) {
    if (state.active().isEmpty() || state.settlement().isPresent()) {
      return Effect().reply(cmd.replyTo(), noInterworking());
    }
    if (cmd.fee() < 0) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(ErrorCode.INVALID_ARGUMENT, "a fee cannot be negative")));
    }
    Long known = state.useIds().get(cmd.useId());
    if (known != null) {
      useEnded(state, cmd.useId());
      return known == cmd.fee()
          ? Effect().reply(cmd.replyTo(), StatusReply.success(activeView(state)))
          : Effect()
              .reply(
                  cmd.replyTo(),
                  StatusReply.error(
                      new Refusal(
                          ErrorCode.IDEMPOTENCY_CONFLICT,
                          "use " + cmd.useId() + " was recorded with another fee")));
    }
    return Effect()
        .persist(new UseRecorded(cmd.useId(), cmd.fee()))
        .thenRun(s -> useEnded(s, cmd.useId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(activeView(s)));
  }

  private ReplyEffect<Event, State> onBeginUse(State state, BeginUse cmd) {
    if (state.active().isEmpty() || cancelling(state)) {
      return Effect().reply(cmd.replyTo(), noInterworking());
    }
    usesInFlight.put(cmd.useId(), clock.instant().plus(cmd.hold()));
    return Effect().reply(cmd.replyTo(), StatusReply.success(activeView(state)));
  }

  private boolean cancelling(State state) {
    return state.settlement().isPresent() || payerLookup.isPresent() || deferredCancel.isPresent();
  }

  private void holdUntil(Instant until) {
    Duration left = Duration.between(clock.instant(), until);
    timers.startSingleTimer(UsesHeld.INSTANCE, left.isNegative() ? Duration.ZERO : left);
  }

  private void useEnded(State state, String useId) {
    if (usesInFlight.remove(useId) != null) startDeferredCancel(state);
  }

  /** The uses a cancellation waits for: begun, neither recorded nor ended, still within hold. */
  private Optional<Instant> heldUntil() {
    Instant now = clock.instant();
    usesInFlight.values().removeIf(until -> !until.isAfter(now));
    return usesInFlight.values().stream().max(Instant::compareTo);
  }

  /** A cancellation that waited for uses in flight goes on once none is left. */
  private void startDeferredCancel(State state) {
    if (deferredCancel.isEmpty()) return;
    Optional<Instant> held = heldUntil();
    if (held.isPresent()) {
      holdUntil(held.get());
      return;
    }
    CancelReason reason = deferredCancel.get();
    deferredCancel = Optional.empty();
    timers.cancel(UsesHeld.INSTANCE);
    if (state.active().isEmpty() || state.settlement().isPresent()) return;
    payerLookup = Optional.of(reason);
    findPayer(state.active().get());
  }

  // ---- cancellation and settlement

  private ReplyEffect<Event, State> onCancel(State state, Cancel cmd) {
    if (checking.isPresent() || state.pending().isPresent()) return Effect().stash();
    if (cancelling(state)) {
      cancelWaiters.add(cmd.replyTo());
      return Effect().noReply();
    }
    if (state.active().isEmpty()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              state.lastSettled().isPresent()
                  ? StatusReply.success(new Settled(state.lastSettled().get()))
                  : noInterworking());
    }
    cancelWaiters.add(cmd.replyTo());
    Optional<Instant> held = heldUntil();
    if (held.isPresent()) {
      deferredCancel = Optional.of(cmd.reason());
      holdUntil(held.get());
      return Effect().noReply();
    }
    payerLookup = Optional.of(cmd.reason());
    findPayer(state.active().get());
    return Effect().noReply();
  }

  /** The subscriber's prepaid account pays; without one the user is postpaid. */
  private void findPayer(Setting setting) {
    context.pipeToSelf(
        ports.<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, setting.msisdn(), Subscriber.Get::new),
        (subscriber, failure) -> {
          if (failure == null) return new PayerFound(subscriber.profile().prepaidAccountId());
          if (Asks.unwrap(failure) instanceof Refusal) return new PayerFound(Optional.empty());
          return new StepFailed("payer", String.valueOf(Asks.unwrap(failure)));
        });
  }

  private ReplyEffect<Event, State> onPayerFound(State state, PayerFound found) {
    if (payerLookup.isEmpty()) return Effect().noReply();
    CancelReason reason = payerLookup.get();
    payerLookup = Optional.empty();
    if (state.active().isEmpty() || state.settlement().isPresent()) return Effect().noReply();
    var settlement =
        new SettlementStarted(
            ReservationIds.VACP + interworkingId + ":" + state.epoch(),
            state.accrued(),
            found.accountId(),
            reason,
            clock.instant());
    return Effect().persist(settlement).thenRun(s -> driveSettlement(settlement)).thenNoReply();
  }

  /**
   * Charges the amount: postpaid users are billed through the CDR; a prepaid account reserves,
   * deducts and refunds (closes) with ids derived from the settlement. An account that cannot pay
   * (refused reservation, closed reservation) leaves the unpaid part as shortfall.
   */
  private void driveSettlement(SettlementStarted plan) {
    if (settling) return;
    settling = true;
    CompletionStage<Long> charged;
    if (plan.amount() == 0) {
      charged = CompletableFuture.completedFuture(0L);
    } else if (plan.accountId().isEmpty()) {
      charged = CompletableFuture.completedFuture(plan.amount());
    } else {
      charged = settlePrepaid(plan.accountId().get(), plan.settlementId(), plan.amount());
    }
    context.pipeToSelf(
        charged,
        (amount, failure) ->
            failure == null
                ? new SettlementDone(amount)
                : new StepFailed("settlement", String.valueOf(Asks.unwrap(failure))));
  }

  private CompletionStage<Long> settlePrepaid(String accountId, String id, long amount) {
    return ports
        .<PrepaidAccount.Command, PrepaidAccount.ReservationView>ask(
            PrepaidAccount.KEY,
            accountId,
            r -> new PrepaidAccount.Reserve(id, amount, Optional.of(settings.settlementTtl()), r))
        .thenCompose(
            reservation ->
                ports
                    .<PrepaidAccount.Command, PrepaidAccount.ReservationView>ask(
                        PrepaidAccount.KEY,
                        accountId,
                        r -> new PrepaidAccount.Deduct(id, id + ":charge", amount, r))
                    .thenApply(deducted -> amount)
                    .exceptionally(failure -> ifRefused(failure, 0L))
                    .thenCompose(
                        deducted ->
                            ports
                                .<PrepaidAccount.Command, PrepaidAccount.RefundResult>ask(
                                    PrepaidAccount.KEY,
                                    accountId,
                                    r -> new PrepaidAccount.Refund(id, r))
                                .thenApply(refunded -> deducted)))
        .exceptionally(failure -> ifRefused(failure, 0L));
  }

  /** A refusal by the account is final (nothing more can be charged); anything else is retried. */
  private static long ifRefused(Throwable failure, long value) {
    if (Asks.unwrap(failure) instanceof Refusal) return value;
    throw new CompletionException(Asks.unwrap(failure));
  }

  private ReplyEffect<Event, State> onSettlementDone(State state, SettlementDone done) {
    settling = false;
    failures = 0;
    if (state.settlement().isEmpty() || state.active().isEmpty()) return Effect().noReply();
    SettlementStarted plan = state.settlement().get();
    Setting setting = state.active().get();
    long shortfall = plan.amount() - done.charged();
    Instant now = clock.instant();
    PlatformFields fields =
        PlatformFields.builder()
            .text("interworkingId", interworkingId)
            .text("msisdn", setting.msisdn())
            .text("consumerPlatformId", setting.consumerPlatformId())
            .text("capabilityId", setting.capabilityId())
            .text("providerPlatformId", setting.providerPlatformId())
            .text("reason", plan.reason().name())
            .number("settled", done.charged())
            .build();
    List<Notice> cancelled = new ArrayList<>();
    for (String platform : List.of(setting.consumerPlatformId(), setting.providerPlatformId())) {
      String noticeId = "interworking-cancelled:" + plan.settlementId() + ":" + platform;
      if (cancelled.stream().noneMatch(n -> n.noticeId().equals(noticeId))) {
        cancelled.add(new Notice(noticeId, platform, "interworking-cancelled", fields));
      }
    }
    var cdr =
        new Cdr(
            plan.settlementId(),
            Cdr.Type.VACP,
            setting.msisdn(),
            plan.accountId(),
            Optional.empty(),
            Optional.of(setting.consumerPlatformId()),
            Optional.of(setting.capabilityId()),
            Optional.of(setting.providerPlatformId()),
            Optional.empty(),
            Optional.of("SETTLED"),
            Optional.of(plan.reason().name()),
            state.activatedAt().orElse(plan.at()),
            Optional.empty(),
            now,
            0,
            0,
            done.charged(),
            shortfall);
    List<ActorRef<StatusReply<Settled>>> waiting = List.copyOf(cancelWaiters);
    cancelWaiters.clear();
    return Effect()
        .persist(new InterworkingCancelled(done.charged(), shortfall, cancelled, cdr))
        .thenRun(
            s -> {
              waiting.forEach(w -> w.tell(StatusReply.success(new Settled(done.charged()))));
              cancelled.forEach(notices::send);
              ports.tell(VacpUser.KEY, setting.msisdn(), new VacpUser.Untrack(interworkingId));
            })
        .thenNoReply()
        .thenUnstashAll();
  }

  // ---- failures and retries

  private ReplyEffect<Event, State> onStepFailed(State state, StepFailed failed) {
    context
        .getLog()
        .warn(
            "interworking {}: {} step failed ({})", interworkingId, failed.step(), failed.detail());
    var unavailable =
        new Refusal(ErrorCode.UNAVAILABLE, "a dependency did not answer in time, retry");
    switch (failed.step()) {
      case "checks" -> {
        checking = Optional.empty();
        answerSetup(StatusReply.error(unavailable), null);
        return Effect().noReply().thenUnstashAll();
      }
      case "payer" -> {
        payerLookup = Optional.empty();
        List.copyOf(cancelWaiters).forEach(w -> w.tell(StatusReply.error(unavailable)));
        cancelWaiters.clear();
        return Effect().noReply().thenUnstashAll();
      }
      default -> {
        settling = false;
        failures++;
        timers.startSingleTimer(Resume.INSTANCE, Resume.INSTANCE, settings.backoff(failures));
        return Effect().noReply();
      }
    }
  }

  private ReplyEffect<Event, State> onResume(State state, Resume resume) {
    state.settlement().ifPresent(this::driveSettlement);
    return Effect().noReply();
  }

  // ---- queries, notices, passivation

  private ReplyEffect<Event, State> onGet(State state, Get cmd) {
    if (state.active().isPresent()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(activeView(state)));
    }
    if (state.pending().isPresent()) {
      var view =
          new InterworkingView(
              interworkingId, state.pending().get(), Status.PENDING, Optional.empty(), 0, 0);
      return Effect().reply(cmd.replyTo(), StatusReply.success(view));
    }
    return Effect().reply(cmd.replyTo(), noInterworking());
  }

  private ReplyEffect<Event, State> onNoticeAnswered(State state, NoticeAnswered answer) {
    Optional<Boolean> closed = notices.onAnswered(answer.noticeId(), answer.delivered());
    if (closed.isEmpty() || !state.notices().containsKey(answer.noticeId())) {
      return Effect().noReply();
    }
    return Effect().persist(new NoticeClosed(answer.noticeId(), closed.get())).thenNoReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    boolean busy =
        checking.isPresent()
            || state.pending().isPresent()
            || state.settlement().isPresent()
            || payerLookup.isPresent()
            || deferredCancel.isPresent()
            || heldUntil().isPresent()
            || !state.notices().isEmpty()
            || notices.busy();
    idle.onCheck(busy);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- helpers

  private InterworkingView activeView(State s) {
    return new InterworkingView(
        interworkingId,
        s.active().orElseThrow(),
        Status.ACTIVE,
        s.activatedAt(),
        s.accrued(),
        s.uses());
  }

  /** The fields a platform is sent about a setting (flat, so FORM needs no nesting). */
  static PlatformFields.Builder fields(Setting setting) {
    PlatformFields.Builder fields =
        PlatformFields.builder()
            .text("interworkingId", setting.id())
            .text("msisdn", setting.msisdn())
            .text("consumerPlatformId", setting.consumerPlatformId())
            .text("capabilityId", setting.capabilityId())
            .text("providerPlatformId", setting.providerPlatformId())
            .text("service", setting.service())
            .text("mode", setting.mode().name());
    ReceiveConditions c = setting.conditions();
    c.quietHours()
        .ifPresent(q -> fields.text("quietHoursFrom", q.from()).text("quietHoursTo", q.to()));
    fields.bool("onlyWhenImsRegistered", c.onlyWhenImsRegistered());
    c.maxPerHour().ifPresent(m -> fields.number("maxPerHour", m));
    return fields;
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(SetupRequested.class, (s, e) -> s.withPending(Optional.of(e.setting())))
        .onEvent(SetupFailed.class, (s, e) -> s.withPending(Optional.empty()))
        .onEvent(SettingActivated.class, this::activated)
        .onEvent(UseRecorded.class, this::useRecorded)
        .onEvent(
            SettlementStarted.class,
            (s, e) ->
                new State(
                    s.active(),
                    s.activatedAt(),
                    s.pending(),
                    s.epoch(),
                    s.revision(),
                    s.accrued(),
                    s.uses(),
                    s.useIds(),
                    Optional.of(e),
                    s.lastSettled(),
                    s.notices()))
        .onEvent(
            InterworkingCancelled.class,
            (s, e) -> {
              e.notices().forEach(n -> s.notices().put(n.noticeId(), n));
              return new State(
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  s.epoch(),
                  s.revision(),
                  s.accrued(),
                  s.uses(),
                  s.useIds(),
                  Optional.empty(),
                  Optional.of(e.charged()),
                  s.notices());
            })
        .onEvent(
            NoticeClosed.class,
            (s, e) -> {
              s.notices().remove(e.noticeId());
              return s;
            })
        .build();
  }

  private State activated(State s, SettingActivated e) {
    s.notices().put(e.notice().noticeId(), e.notice());
    if (s.active().isPresent()) {
      return new State(
          Optional.of(e.setting()),
          s.activatedAt(),
          Optional.empty(),
          s.epoch(),
          s.revision() + 1,
          s.accrued(),
          s.uses(),
          s.useIds(),
          s.settlement(),
          s.lastSettled(),
          s.notices());
    }
    s.useIds().clear();
    return new State(
        Optional.of(e.setting()),
        Optional.of(e.at()),
        Optional.empty(),
        s.epoch() + 1,
        s.revision() + 1,
        0,
        0,
        s.useIds(),
        Optional.empty(),
        s.lastSettled(),
        s.notices());
  }

  private State useRecorded(State s, UseRecorded e) {
    s.useIds().put(e.useId(), e.fee());
    Iterator<String> oldest = s.useIds().keySet().iterator();
    while (s.useIds().size() > settings.rememberedUses() && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    return new State(
        s.active(),
        s.activatedAt(),
        s.pending(),
        s.epoch(),
        s.revision(),
        s.accrued() + e.fee(),
        s.uses() + 1,
        s.useIds(),
        s.settlement(),
        s.lastSettled(),
        s.notices());
  }
}
