package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.JournalOnlyRecovery;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.ims.ImsSubscriber;
import io.scp.actors.subscriber.Subscriber;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One pushed event of a provider platform and its fan-out, keyed by the event id.
 *
 * <p>Publishing checks the capability (live, push, offered by the caller), then finds the
 * recipients without scanning: the user's interworkings from the {@link VacpUser} index, kept when
 * the setting is an active push setting for this capability, its authorisation is valid now, the
 * consumer platform is active and the user is active and subscribed to both services. Recipients
 * are ordered by authorisation priority (highest first, ties by platform id) and persisted with the
 * event; only then is anything sent.
 *
 * <p>Each recipient then passes its receive conditions, read from its setting when it is due:
 * inside its quiet hours it is deferred to their end; not IMS-registered (when asked for) or over
 * its {@code maxPerHour} ({@link VacpPushQuota}) it is SKIPPED; so is a delivery whose capability
 * was deregistered by then (checked again before each retry). The others are delivered ({@code POST
 * {callbackUrl}/events}): first attempts one at a time in priority order, so a higher-priority
 * platform is always tried first; a failed platform is retried on its own backoff without holding
 * back the next ones, up to the configured attempts (then FAILED). A platform that refuses the
 * event (4xx, {@code accepted=false}) is FAILED at once. A delivered event records one use, with
 * the authorisation's fee, on the interworking. The entity is remembered: after a crash or a
 * restart it resumes what is pending; it passivates once everything is settled.
 */
public final class VacpEvent
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpEvent.Command, VacpEvent.Event, VacpEvent.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "VacpEvent");

  /** The operation called on the consumer platforms. */
  static final String OPERATION = "events";

  /** What the provider published; {@code payload} is JSON text. */
  public record Spec(
      String eventId, String capabilityId, String msisdn, String providerPlatformId, String payload)
      implements CborSerializable {}

  public enum Status {
    PENDING,
    DELIVERED,
    FAILED,
    SKIPPED
  }

  /** Why a delivery is skipped, failed, deferred or being retried. */
  public enum Reason {
    /** Deferred: the user's quiet hours; delivered when they end. */
    QUIET_HOURS,
    IMS_NOT_REGISTERED,
    MAX_PER_HOUR,
    /** The setting was cancelled or changed to pull before the delivery was due. */
    NO_INTERWORKING,
    /** The capability was deregistered before the delivery (or its retry) was due. */
    CAPABILITY_DEREGISTERED,
    /** The platform refused the event (4xx or {@code accepted=false}); not retried. */
    PLATFORM_REJECTED,
    /** No usable answer (5xx, 429, connection refused, malformed). */
    PLATFORM_FAILED,
    PLATFORM_TIMEOUT,
    PLATFORM_SUSPENDED,
    /** The receive conditions could not be checked (an entity did not answer). */
    CHECKS_UNAVAILABLE
  }

  /** A recipient as resolved at publication. */
  public record Recipient(String platformId, int priority, long feePerUse)
      implements CborSerializable {}

  public record DeliveryView(
      String platformId, int priority, Status status, Optional<Reason> reason, int attempts)
      implements CborSerializable {}

  public record EventView(
      String eventId,
      String capabilityId,
      String msisdn,
      String providerPlatformId,
      Instant acceptedAt,
      List<DeliveryView> deliveries)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /** Publishes the event; a replay with the same content answers the current view. */
  public record Publish(Spec spec, ActorRef<StatusReply<EventView>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<EventView>> replyTo) implements Command {}

  record Resolved(Spec spec, List<Recipient> recipients) implements Command {}

  record ResolveFailed(Spec spec, Refusal refusal) implements Command {}

  enum GateOutcome {
    CLEAR,
    SKIP,
    DEFER,
    RETRY
  }

  /** The receive conditions of one recipient, checked. */
  record GateDone(
      String platformId,
      GateOutcome outcome,
      Optional<Reason> reason,
      Optional<Instant> until,
      String detail)
      implements Command {}

  /** One delivery attempt ended; {@code failure} empty means delivered. */
  record AttemptDone(String platformId, Optional<Reason> failure, String detail)
      implements Command {}

  /** The fee of a delivered event: recorded, refused, or (empty) to be retried. */
  record FeeDone(String platformId, Optional<Boolean> recorded, String detail) implements Command {}

  enum Wake implements Command {
    INSTANCE
  }

  enum IdleCheck implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  /** The event and its recipients in delivery order, all PENDING. */
  public record EventAccepted(Spec spec, Instant at, List<Recipient> recipients) implements Event {}

  /** Inside the recipient's quiet hours: its conditions are checked again at {@code until}. */
  public record DeliveryDeferred(String platformId, Instant until) implements Event {}

  /** The recipient passed its receive conditions (and its delivery is counted per hour). */
  public record DeliveryCleared(String platformId) implements Event {}

  public record DeliverySkipped(String platformId, Reason reason) implements Event {}

  public record AttemptFailed(String platformId, Reason reason, Instant retryAt) implements Event {}

  public record DeliverySucceeded(String platformId, Instant at) implements Event {}

  /** The last attempt failed, or the platform refused the event. */
  public record DeliveryFailed(String platformId, Reason reason) implements Event {}

  /** The delivered event's fee is recorded on the interworking (or could not be). */
  public record FeeClosed(String platformId, boolean recorded) implements Event {}

  // ---------------------------------------------------------------- state

  /**
   * One recipient's delivery. {@code cleared}: its receive conditions passed; {@code notBefore}:
   * until when it is deferred (not cleared) or when its next attempt is due (cleared); {@code
   * feeOpen}: delivered with a fee not yet recorded.
   */
  public record Delivery(
      Recipient recipient,
      Status status,
      Optional<Reason> reason,
      int attempts,
      boolean cleared,
      Optional<Instant> notBefore,
      boolean feeOpen)
      implements CborSerializable {

    static Delivery pending(Recipient recipient) {
      return new Delivery(
          recipient, Status.PENDING, Optional.empty(), 0, false, Optional.empty(), false);
    }

    String platformId() {
      return recipient.platformId();
    }

    boolean pending() {
      return status == Status.PENDING;
    }

    Delivery with(
        Status status,
        Optional<Reason> reason,
        int attempts,
        boolean cleared,
        Optional<Instant> notBefore,
        boolean feeOpen) {
      return new Delivery(recipient, status, reason, attempts, cleared, notBefore, feeOpen);
    }

    DeliveryView view() {
      return new DeliveryView(
          recipient.platformId(), recipient.priority(), status, reason, attempts);
    }
  }

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NoEvent.class, name = "none"),
    @JsonSubTypes.Type(value = Published.class, name = "published")
  })
  public sealed interface State extends CborSerializable {}

  public record NoEvent() implements State {}

  /** The deliveries by platform id, in delivery order; mutated by the event handler only. */
  public record Published(Spec spec, Instant acceptedAt, LinkedHashMap<String, Delivery> deliveries)
      implements State {

    boolean settled() {
      return deliveries.values().stream().noneMatch(d -> d.pending() || d.feeOpen());
    }

    EventView view() {
      return new EventView(
          spec.eventId(),
          spec.capabilityId(),
          spec.msisdn(),
          spec.providerPlatformId(),
          acceptedAt,
          deliveries.values().stream().map(Delivery::view).toList());
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system,
      VacpPorts ports,
      VacpSettings settings,
      VacpPushSettings push,
      Clock clock) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(ports, settings, push, clock));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String eventId, VacpPorts ports, VacpSettings settings, VacpPushSettings push, Clock clock) {
    return RememberedEntity.standalone(eventId, factory(ports, settings, push, clock));
  }

  private static RememberedEntity.Factory<Command> factory(
      VacpPorts ports, VacpSettings settings, VacpPushSettings push, Clock clock) {
    return (id, context, timers, passivate) ->
        new VacpEvent(id, ports, settings, push, clock, context, timers, passivate);
  }

  private final String eventId;
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final VacpPushSettings push;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;

  // Not persisted: the publication being resolved and who waits for its answer, the steps in
  // flight, and the retries of checks and fees (after a crash they simply run again).
  private Optional<Spec> resolving = Optional.empty();
  private final List<ActorRef<StatusReply<EventView>>> waiters = new ArrayList<>();
  private final Set<String> gating = new HashSet<>();
  private final Set<String> attempting = new HashSet<>();
  private final Set<String> recordingFee = new HashSet<>();
  private final Map<String, Integer> stepFailures = new HashMap<>();
  private final Map<String, Instant> stepRetryAt = new HashMap<>();

  private VacpEvent(
      String eventId,
      VacpPorts ports,
      VacpSettings settings,
      VacpPushSettings push,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), eventId), EntityRestart.WITH_BACKOFF);
    this.eventId = eventId;
    this.ports = ports;
    this.settings = settings;
    this.push = push;
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
    return new NoEvent();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Published published) drive(published);
              armIdleCheck();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(NoEvent.class)
        .onCommand(Publish.class, this::onFirstPublish)
        .onCommand(Resolved.class, this::onResolved)
        .onCommand(ResolveFailed.class, this::onResolveFailed)
        .onCommand(
            Get.class,
            (s, c) -> {
              passivateIfUnused();
              return Effect().reply(c.replyTo(), notFound());
            })
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand((s, c) -> Effect().noReply());
    builder
        .forStateType(Published.class)
        .onCommand(Publish.class, this::onPublishAgain)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
        .onCommand(GateDone.class, this::onGateDone)
        .onCommand(AttemptDone.class, this::onAttemptDone)
        .onCommand(FeeDone.class, this::onFeeDone)
        .onCommand(
            Wake.class,
            (s, c) -> {
              drive(s);
              return Effect().noReply();
            })
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand((s, c) -> Effect().noReply());
    return builder.build();
  }

  private <T> StatusReply<T> notFound() {
    return StatusReply.error(
        new Refusal(ErrorCode.NOT_FOUND, "event " + eventId + " is not known"));
  }

  private static <T> StatusReply<T> conflict(String eventId) {
    return StatusReply.error(
        new Refusal(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "event " + eventId + " was already published with other content"));
  }

  /** An entity without an event must not stay remembered: it asks to stop at once. */
  private void passivateIfUnused() {
    if (resolving.isEmpty() && waiters.isEmpty()) passivate.run();
  }

  // ---- publication

  private ReplyEffect<Event, State> onFirstPublish(NoEvent state, Publish cmd) {
    if (resolving.isPresent()) {
      if (!resolving.get().equals(cmd.spec())) {
        return Effect().reply(cmd.replyTo(), conflict(eventId));
      }
      waiters.add(cmd.replyTo());
      return Effect().noReply();
    }
    resolving = Optional.of(cmd.spec());
    waiters.add(cmd.replyTo());
    resolve(cmd.spec());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onPublishAgain(Published state, Publish cmd) {
    if (!state.spec().equals(cmd.spec())) return Effect().reply(cmd.replyTo(), conflict(eventId));
    if (!waiters.isEmpty()) {
      waiters.add(cmd.replyTo());
      return Effect().noReply();
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(state.view()));
  }

  /** Checks the capability, then finds the recipients; reads only, nothing is changed. */
  private void resolve(Spec spec) {
    CompletionStage<List<Recipient>> recipients =
        ports
            .<VacpCapability.Command, VacpCapability.CapabilityView>ask(
                VacpCapability.KEY, spec.capabilityId(), VacpCapability.Get::new)
            .thenCompose(
                capability -> {
                  checkCapability(capability, spec);
                  return recipients(spec);
                });
    context.pipeToSelf(
        recipients,
        (found, failure) -> {
          if (failure == null) return new Resolved(spec, found);
          Throwable cause = Asks.unwrap(failure);
          if (cause instanceof Refusal refusal) return new ResolveFailed(spec, refusal);
          context
              .getLog()
              .warn("event {}: recipients not resolved ({})", eventId, cause.toString());
          return new ResolveFailed(
              spec,
              new Refusal(
                  ErrorCode.UNAVAILABLE,
                  "the recipients could not be resolved in time, retry with the same eventId"));
        });
  }

  private static void checkCapability(VacpCapability.CapabilityView capability, Spec spec) {
    if (!capability.active()) {
      throw new Refusal(
          ErrorCode.UNKNOWN_CAPABILITY, "capability " + spec.capabilityId() + " is deregistered");
    }
    if (!capability.provider().platformId().equals(spec.providerPlatformId())) {
      throw new Refusal(
          ErrorCode.FORBIDDEN,
          "platform "
              + spec.providerPlatformId()
              + " may not publish events of capability "
              + spec.capabilityId()
              + ", which platform "
              + capability.provider().platformId()
              + " provides");
    }
    if (!capability.spec().style().offers(Interworking.Mode.PUSH)) {
      throw new Refusal(
          ErrorCode.INVALID_ARGUMENT,
          "capability " + spec.capabilityId() + " is PULL only; it has no events to push");
    }
  }

  /**
   * The user's settings for this capability (from the user's index), kept when each check passes;
   * an unknown, suspended or unsubscribed user has none.
   */
  private CompletionStage<List<Recipient>> recipients(Spec spec) {
    CompletableFuture<VacpUser.UserView> user =
        ports
            .<VacpUser.Command, VacpUser.UserView>ask(
                VacpUser.KEY, spec.msisdn(), VacpUser.Get::new)
            .toCompletableFuture();
    CompletableFuture<Optional<Subscriber.SubscriberView>> subscriber =
        ports
            .<Subscriber.Command, Subscriber.SubscriberView>ask(
                Subscriber.KEY, spec.msisdn(), Subscriber.Get::new)
            .thenApply(Optional::of)
            .exceptionally(failure -> ifRefused(failure, Optional.empty()))
            .toCompletableFuture();
    return user.thenCombine(subscriber, (u, s) -> Map.entry(u, s))
        .thenCompose(
            both -> {
              Optional<Subscriber.SubscriberView> s = both.getValue();
              if (s.isEmpty()
                  || s.get().profile().status() != Subscriber.Status.ACTIVE
                  || !s.get().services().contains(spec.providerPlatformId())) {
                return CompletableFuture.completedFuture(List.<Recipient>of());
              }
              List<CompletableFuture<Optional<Recipient>>> candidates = new ArrayList<>();
              for (VacpUser.Link link : both.getKey().links()) {
                if (link.capabilityId().equals(spec.capabilityId())
                    && s.get().services().contains(link.consumerPlatformId())) {
                  candidates.add(candidate(spec, link).toCompletableFuture());
                }
              }
              return CompletableFuture.allOf(candidates.toArray(CompletableFuture[]::new))
                  .thenApply(
                      done ->
                          candidates.stream()
                              .map(CompletableFuture::join)
                              .flatMap(Optional::stream)
                              .sorted(
                                  Comparator.comparingInt(Recipient::priority)
                                      .reversed()
                                      .thenComparing(Recipient::platformId))
                              .toList());
            });
  }

  /**
   * A recipient if its setting is an active push setting, authorised now, of an active platform.
   */
  private CompletionStage<Optional<Recipient>> candidate(Spec spec, VacpUser.Link link) {
    String consumer = link.consumerPlatformId();
    CompletableFuture<Interworking.InterworkingView> setting =
        ports
            .<Interworking.Command, Interworking.InterworkingView>ask(
                Interworking.KEY, link.interworkingId(), Interworking.Get::new)
            .toCompletableFuture();
    CompletableFuture<VacpAuthorization.AuthorizationView> authorization =
        ports
            .<VacpAuthorization.Command, VacpAuthorization.AuthorizationView>ask(
                VacpAuthorization.KEY,
                VacpAuthorization.entityId(consumer, spec.capabilityId()),
                VacpAuthorization.Get::new)
            .toCompletableFuture();
    CompletableFuture<VacpPlatform.PlatformView> platform =
        ports
            .<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
                VacpPlatform.KEY, consumer, VacpPlatform.Get::new)
            .toCompletableFuture();
    return CompletableFuture.allOf(setting, authorization, platform)
        .thenApply(
            done -> {
              var s = setting.join();
              var a = authorization.join();
              boolean eligible =
                  s.status() == Interworking.Status.ACTIVE
                      && s.setting().mode() == Interworking.Mode.PUSH
                      && a.terms().validAt(clock.instant())
                      && platform.join().active();
              return eligible
                  ? Optional.of(
                      new Recipient(consumer, a.terms().priority(), a.terms().feePerUse()))
                  : Optional.<Recipient>empty();
            })
        .exceptionally(failure -> ifRefused(failure, Optional.empty()));
  }

  private ReplyEffect<Event, State> onResolved(NoEvent state, Resolved resolved) {
    if (!resolving.equals(Optional.of(resolved.spec()))) return Effect().noReply();
    resolving = Optional.empty();
    return Effect()
        .persist(new EventAccepted(resolved.spec(), clock.instant(), resolved.recipients()))
        .thenRun(this::progress)
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onResolveFailed(NoEvent state, ResolveFailed failed) {
    if (!resolving.equals(Optional.of(failed.spec()))) return Effect().noReply();
    resolving = Optional.empty();
    List<ActorRef<StatusReply<EventView>>> all = List.copyOf(waiters);
    waiters.clear();
    all.forEach(w -> w.tell(StatusReply.error(failed.refusal())));
    passivateIfUnused();
    return Effect().noReply();
  }

  /**
   * Starts what is due and answers the publishers once the first checks of the recipients due now
   * are done (so the answer shows who is SKIPPED).
   */
  private void progress(State state) {
    if (!(state instanceof Published published)) return;
    drive(published);
    if (!waiters.isEmpty() && gating.isEmpty()) {
      List<ActorRef<StatusReply<EventView>>> all = List.copyOf(waiters);
      waiters.clear();
      all.forEach(w -> w.tell(StatusReply.success(published.view())));
    }
  }

  // ---- the fan-out

  /**
   * Starts every step that is due: the receive conditions of recipients not yet cleared, the first
   * attempts in priority order (one at a time: a lower-priority first attempt waits while a
   * higher-priority recipient is being checked or tried for the first time), retries whose backoff
   * is over, and fees to record. Arms one timer for the earliest step that is not due yet.
   */
  private void drive(Published s) {
    Instant now = clock.instant();
    Instant wake = null;
    boolean firstAttemptsHeld = false;
    for (Delivery d : s.deliveries().values()) {
      String id = d.platformId();
      if (d.feeOpen() && !recordingFee.contains(id)) {
        Instant due = stepRetryAt.get(feeKey(id));
        if (due != null && now.isBefore(due)) wake = earliest(wake, due);
        else recordFee(s.spec(), d);
      }
      if (!d.pending()) continue;
      if (!d.cleared()) {
        if (gating.contains(id)) {
          firstAttemptsHeld = true;
          continue;
        }
        Instant due = latest(d.notBefore().orElse(null), stepRetryAt.get(gateKey(id)));
        if (due != null && now.isBefore(due)) {
          wake = earliest(wake, due);
          continue;
        }
        gate(s.spec(), d);
        firstAttemptsHeld = true;
        continue;
      }
      if (attempting.contains(id)) {
        if (d.attempts() == 0) firstAttemptsHeld = true;
        continue;
      }
      Instant stepDue = stepRetryAt.get(sendKey(id));
      if (d.attempts() == 0) {
        if (firstAttemptsHeld) continue;
        firstAttemptsHeld = true;
        if (stepDue != null && now.isBefore(stepDue)) wake = earliest(wake, stepDue);
        else attempt(s.spec(), d);
        continue;
      }
      Instant due = latest(d.notBefore().orElse(now), stepDue);
      if (now.isBefore(due)) wake = earliest(wake, due);
      else attempt(s.spec(), d);
    }
    if (wake != null) {
      timers.startSingleTimer(Wake.INSTANCE, Wake.INSTANCE, Duration.between(now, wake));
    }
  }

  private static String gateKey(String platformId) {
    return "gate:" + platformId;
  }

  private static String sendKey(String platformId) {
    return "send:" + platformId;
  }

  private static String feeKey(String platformId) {
    return "fee:" + platformId;
  }

  private static Instant earliest(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) return b;
    return b == null || a.isAfter(b) ? a : b;
  }

  // ---- receive conditions

  /**
   * Reads the capability and the setting as they are now: capability deregistered, or setting
   * cancelled or no longer push → SKIPPED; inside quiet hours → deferred to their end (and checked
   * again then); not IMS-registered when that is asked → SKIPPED; then the hourly quota is claimed
   * (last, so that only deliveries that go out are counted).
   */
  private void gate(Spec spec, Delivery d) {
    String platformId = d.platformId();
    gating.add(platformId);
    CompletionStage<GateDone> outcome =
        capabilityLive(spec.capabilityId())
            .thenCompose(
                live ->
                    live
                        ? conditions(spec, platformId)
                        : done(skip(platformId, Reason.CAPABILITY_DEREGISTERED)));
    context.pipeToSelf(
        outcome,
        (gate, failure) -> {
          if (failure == null) return gate;
          Throwable cause = Asks.unwrap(failure);
          if (cause instanceof Refusal refusal && refusal.code() == ErrorCode.NO_INTERWORKING) {
            return skip(platformId, Reason.NO_INTERWORKING);
          }
          return new GateDone(
              platformId, GateOutcome.RETRY, Optional.empty(), Optional.empty(), cause.toString());
        });
  }

  /** The receive conditions of the recipient's setting as it is now. */
  private CompletionStage<GateDone> conditions(Spec spec, String platformId) {
    String interworkingId = Interworking.entityId(spec.msisdn(), platformId, spec.capabilityId());
    return ports
        .<Interworking.Command, Interworking.InterworkingView>ask(
            Interworking.KEY, interworkingId, Interworking.Get::new)
        .thenCompose(
            setting -> {
              if (setting.status() != Interworking.Status.ACTIVE
                  || setting.setting().mode() != Interworking.Mode.PUSH) {
                return done(skip(platformId, Reason.NO_INTERWORKING));
              }
              var conditions = setting.setting().conditions();
              Optional<Instant> quietUntil =
                  conditions.quietHours().flatMap(q -> quietUntil(q, clock.instant()));
              if (quietUntil.isPresent()) {
                return done(
                    new GateDone(
                        platformId,
                        GateOutcome.DEFER,
                        Optional.of(Reason.QUIET_HOURS),
                        quietUntil,
                        "quiet hours"));
              }
              CompletionStage<Boolean> registered =
                  conditions.onlyWhenImsRegistered() ? imsRegistered(spec.msisdn()) : done(true);
              return registered.thenCompose(
                  ims -> {
                    if (!ims) return done(skip(platformId, Reason.IMS_NOT_REGISTERED));
                    if (conditions.maxPerHour().isEmpty()) return done(clear(platformId));
                    return ports
                        .<VacpPushQuota.Command, VacpPushQuota.Claimed>ask(
                            VacpPushQuota.KEY,
                            interworkingId,
                            r ->
                                new VacpPushQuota.Claim(
                                    spec.eventId(), conditions.maxPerHour().get(), r))
                        .thenApply(
                            claimed ->
                                claimed.granted()
                                    ? clear(platformId)
                                    : skip(platformId, Reason.MAX_PER_HOUR));
                  });
            });
  }

  /**
   * Whether the capability is still registered: the directory says a deregistered capability is
   * never pushed, also when its event was accepted before (deferred or retried deliveries).
   */
  private CompletionStage<Boolean> capabilityLive(String capabilityId) {
    return ports
        .<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY, capabilityId, VacpCapability.Get::new)
        .thenApply(VacpCapability.CapabilityView::active)
        .exceptionally(failure -> ifRefused(failure, false));
  }

  private static GateDone clear(String platformId) {
    return new GateDone(platformId, GateOutcome.CLEAR, Optional.empty(), Optional.empty(), "");
  }

  private static GateDone skip(String platformId, Reason reason) {
    return new GateDone(
        platformId, GateOutcome.SKIP, Optional.of(reason), Optional.empty(), reason.name());
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  /**
   * The end of the quiet window if {@code now} is inside it. The window is {@code [from, to)} in
   * UTC; {@code from} after {@code to} spans midnight; {@code from} equal to {@code to} is empty.
   */
  static Optional<Instant> quietUntil(Interworking.QuietHours quiet, Instant now) {
    LocalTime from = LocalTime.parse(quiet.from());
    LocalTime to = LocalTime.parse(quiet.to());
    if (from.equals(to)) return Optional.empty();
    ZonedDateTime at = now.atZone(ZoneOffset.UTC);
    LocalTime time = at.toLocalTime();
    boolean inside =
        from.isBefore(to)
            ? !time.isBefore(from) && time.isBefore(to)
            : !time.isBefore(from) || time.isBefore(to);
    if (!inside) return Optional.empty();
    ZonedDateTime end = at.toLocalDate().atTime(to).atZone(ZoneOffset.UTC);
    if (!end.isAfter(at)) end = end.plusDays(1);
    return Optional.of(end.toInstant());
  }

  /**
   * Whether any IMS identity of the user (the standard IMPI or a per-service one) is registered:
   * the subscriber's IMSI names its IMS entity. No IMSI, or no IMS subscriber: not registered.
   */
  private CompletionStage<Boolean> imsRegistered(String msisdn) {
    return ports
        .<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, msisdn, Subscriber.Get::new)
        .thenCompose(
            subscriber -> {
              if (subscriber.profile().imsi().isEmpty()) return done(false);
              return ports
                  .<ImsSubscriber.Command, ImsSubscriber.SubscriberView>ask(
                      ImsSubscriber.KEY, subscriber.profile().imsi().get(), ImsSubscriber.Get::new)
                  .thenApply(
                      ims ->
                          ims.defaultService().registered()
                              || ims.services().stream()
                                  .anyMatch(ImsSubscriber.ServiceView::registered));
            })
        .exceptionally(failure -> ifRefused(failure, false));
  }

  private ReplyEffect<Event, State> onGateDone(Published state, GateDone done) {
    String id = done.platformId();
    gating.remove(id);
    Delivery d = state.deliveries().get(id);
    if (d == null || !d.pending() || d.cleared()) {
      progress(state);
      return Effect().noReply();
    }
    return switch (done.outcome()) {
      case CLEAR -> {
        stepFailures.remove(gateKey(id));
        stepRetryAt.remove(gateKey(id));
        yield Effect().persist(new DeliveryCleared(id)).thenRun(this::progress).thenNoReply();
      }
      case SKIP ->
          Effect()
              .persist(new DeliverySkipped(id, done.reason().orElseThrow()))
              .thenRun(this::progress)
              .thenNoReply();
      case DEFER ->
          Effect()
              .persist(new DeliveryDeferred(id, done.until().orElseThrow()))
              .thenRun(this::progress)
              .thenNoReply();
      case RETRY -> onStepFailed(state, d, gateKey(id), done.detail());
    };
  }

  /**
   * A step before the platform (its receive conditions, or the look-ups of an attempt) could not be
   * taken: again after a backoff, FAILED after the last try. No attempt is counted: the platform
   * was not called.
   */
  private ReplyEffect<Event, State> onStepFailed(
      Published state, Delivery d, String step, String detail) {
    String id = d.platformId();
    int failures = stepFailures.merge(step, 1, Integer::sum);
    context.getLog().warn("event {}: step {} not done ({})", eventId, step, detail);
    if (failures >= push.maxAttempts()) {
      stepFailures.remove(step);
      stepRetryAt.remove(step);
      return Effect()
          .persist(new DeliveryFailed(id, Reason.CHECKS_UNAVAILABLE))
          .thenRun(this::progress)
          .thenNoReply();
    }
    stepRetryAt.put(step, clock.instant().plus(push.backoff(failures)));
    progress(state);
    return Effect().noReply();
  }

  // ---- delivery attempts

  private void attempt(Spec spec, Delivery d) {
    String platformId = d.platformId();
    attempting.add(platformId);
    PlatformFields fields =
        PlatformFields.builder()
            .text("eventId", spec.eventId())
            .text("capabilityId", spec.capabilityId())
            .text("msisdn", spec.msisdn())
            .text("providerPlatformId", spec.providerPlatformId())
            .build();
    // A first attempt follows the check of the conditions (which read the capability); a retry may
    // come long after, so it reads the capability again.
    CompletionStage<Boolean> live =
        d.attempts() == 0 ? done(true) : capabilityLive(spec.capabilityId());
    CompletionStage<AttemptDone> outcome =
        live.thenCompose(
            stillLive ->
                stillLive
                    ? send(spec, platformId, fields)
                    : done(
                        new AttemptDone(
                            platformId,
                            Optional.of(Reason.CAPABILITY_DEREGISTERED),
                            "capability deregistered")));
    // Only the SCP's own look-ups (the capability, the platform) fail here: the platform's answer,
    // or its silence, is an outcome of send. Such a try reached no platform and is no attempt.
    context.pipeToSelf(
        outcome,
        (attempted, failure) ->
            failure == null
                ? attempted
                : new AttemptDone(
                    platformId,
                    Optional.of(Reason.CHECKS_UNAVAILABLE),
                    String.valueOf(Asks.unwrap(failure))));
  }

  private CompletionStage<AttemptDone> send(Spec spec, String platformId, PlatformFields fields) {
    return ports
        .<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, platformId, VacpPlatform.Get::new)
        .thenCompose(
            platform -> {
              if (!platform.active()) {
                return done(
                    new AttemptDone(
                        platformId, Optional.of(Reason.PLATFORM_SUSPENDED), "suspended"));
              }
              return ports
                  .call(platform.endpoint(), OPERATION, fields, spec.payload())
                  .handle(
                      (response, failure) ->
                          failure == null
                              ? new AttemptDone(
                                  platformId, failureOf(response.outcome()), response.reason())
                              : new AttemptDone(
                                  platformId,
                                  Optional.of(Reason.PLATFORM_FAILED),
                                  String.valueOf(failure)));
            });
  }

  private static Optional<Reason> failureOf(PlatformGateway.Outcome outcome) {
    return switch (outcome) {
      case ACCEPTED -> Optional.empty();
      case REJECTED -> Optional.of(Reason.PLATFORM_REJECTED);
      case TIMEOUT -> Optional.of(Reason.PLATFORM_TIMEOUT);
      case FAILED -> Optional.of(Reason.PLATFORM_FAILED);
    };
  }

  private ReplyEffect<Event, State> onAttemptDone(Published state, AttemptDone done) {
    String id = done.platformId();
    attempting.remove(id);
    Delivery d = state.deliveries().get(id);
    if (d == null || !d.pending() || !d.cleared()) {
      progress(state);
      return Effect().noReply();
    }
    if (done.failure().equals(Optional.of(Reason.CHECKS_UNAVAILABLE))) {
      return onStepFailed(state, d, sendKey(id), done.detail());
    }
    stepFailures.remove(sendKey(id));
    stepRetryAt.remove(sendKey(id));
    Instant now = clock.instant();
    Event outcome;
    if (done.failure().isEmpty()) {
      outcome = new DeliverySucceeded(id, now);
    } else if (done.failure().get() == Reason.CAPABILITY_DEREGISTERED) {
      outcome = new DeliverySkipped(id, Reason.CAPABILITY_DEREGISTERED);
    } else {
      Reason reason = done.failure().get();
      int attempts = d.attempts() + 1;
      context
          .getLog()
          .info(
              "event {}: attempt {} to {} failed: {} ({})",
              eventId,
              attempts,
              id,
              reason,
              done.detail());
      outcome =
          reason == Reason.PLATFORM_REJECTED || attempts >= push.maxAttempts()
              ? new DeliveryFailed(id, reason)
              : new AttemptFailed(id, reason, now.plus(push.backoff(attempts)));
    }
    return Effect().persist(outcome).thenRun(this::progress).thenNoReply();
  }

  // ---- fees

  /** One use per delivered event, the event id making the use idempotent. */
  private void recordFee(Spec spec, Delivery d) {
    String platformId = d.platformId();
    recordingFee.add(platformId);
    String interworkingId = Interworking.entityId(spec.msisdn(), platformId, spec.capabilityId());
    context.pipeToSelf(
        ports.<Interworking.Command, Interworking.InterworkingView>ask(
            Interworking.KEY,
            interworkingId,
            r -> new Interworking.RecordUse(useId(spec.eventId()), d.recipient().feePerUse(), r)),
        (view, failure) -> {
          if (failure == null) return new FeeDone(platformId, Optional.of(true), "");
          Throwable cause = Asks.unwrap(failure);
          return new FeeDone(
              platformId,
              cause instanceof Refusal ? Optional.of(false) : Optional.empty(),
              cause.toString());
        });
  }

  /** The use id of an event's delivery, apart from the ids of other kinds of use. */
  public static String useId(String eventId) {
    return "event:" + eventId;
  }

  private ReplyEffect<Event, State> onFeeDone(Published state, FeeDone done) {
    String id = done.platformId();
    recordingFee.remove(id);
    Delivery d = state.deliveries().get(id);
    if (d == null || !d.feeOpen()) return Effect().noReply();
    if (done.recorded().isPresent()) {
      stepFailures.remove(feeKey(id));
      stepRetryAt.remove(feeKey(id));
      if (!done.recorded().get()) {
        context
            .getLog()
            .warn("event {}: the fee of {} cannot be recorded ({})", eventId, id, done.detail());
      }
      return Effect()
          .persist(new FeeClosed(id, done.recorded().get()))
          .thenRun(this::progress)
          .thenNoReply();
    }
    int failures = stepFailures.merge(feeKey(id), 1, Integer::sum);
    stepRetryAt.put(feeKey(id), clock.instant().plus(push.backoff(failures)));
    progress(state);
    return Effect().noReply();
  }

  // ---- passivation

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    boolean busy =
        resolving.isPresent()
            || !waiters.isEmpty()
            || !gating.isEmpty()
            || !attempting.isEmpty()
            || !recordingFee.isEmpty()
            || (state instanceof Published p && !p.settled());
    if (busy) armIdleCheck();
    else passivate.run();
    return Effect().noReply();
  }

  private void armIdleCheck() {
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idleTimeout());
  }

  // ---------------------------------------------------------------- helpers

  /** A refusal is an answer ({@code value}); anything else (a timeout) stays a failure. */
  private static <T> T ifRefused(Throwable failure, T value) {
    if (Asks.unwrap(failure) instanceof Refusal) return value;
    throw new CompletionException(Asks.unwrap(failure));
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(NoEvent.class)
        .onEvent(
            EventAccepted.class,
            (s, e) -> {
              LinkedHashMap<String, Delivery> deliveries = new LinkedHashMap<>();
              e.recipients().forEach(r -> deliveries.put(r.platformId(), Delivery.pending(r)));
              return new Published(e.spec(), e.at(), deliveries);
            });
    builder
        .forStateType(Published.class)
        .onEvent(
            DeliveryDeferred.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.PENDING,
                            Optional.of(Reason.QUIET_HOURS),
                            d.attempts(),
                            false,
                            Optional.of(e.until()),
                            false)))
        .onEvent(
            DeliveryCleared.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.PENDING,
                            Optional.empty(),
                            d.attempts(),
                            true,
                            Optional.empty(),
                            false)))
        .onEvent(
            DeliverySkipped.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.SKIPPED,
                            Optional.of(e.reason()),
                            d.attempts(),
                            d.cleared(),
                            Optional.empty(),
                            false)))
        .onEvent(
            AttemptFailed.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.PENDING,
                            Optional.of(e.reason()),
                            d.attempts() + 1,
                            true,
                            Optional.of(e.retryAt()),
                            false)))
        .onEvent(
            DeliverySucceeded.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.DELIVERED,
                            Optional.empty(),
                            d.attempts() + 1,
                            true,
                            Optional.empty(),
                            d.recipient().feePerUse() > 0)))
        .onEvent(
            DeliveryFailed.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            Status.FAILED,
                            Optional.of(e.reason()),
                            d.cleared() ? d.attempts() + 1 : d.attempts(),
                            d.cleared(),
                            Optional.empty(),
                            false)))
        .onEvent(
            FeeClosed.class,
            (s, e) ->
                update(
                    s,
                    e.platformId(),
                    d ->
                        d.with(
                            d.status(),
                            d.reason(),
                            d.attempts(),
                            d.cleared(),
                            d.notBefore(),
                            false)));
    return builder.build();
  }

  private static Published update(
      Published s, String platformId, java.util.function.UnaryOperator<Delivery> change) {
    s.deliveries().computeIfPresent(platformId, (id, d) -> change.apply(d));
    return s;
  }
}
