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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One pull invocation: consumer platform A asks the VACP to invoke a capability of provider B for a
 * user. Keyed by {@link #entityId} (the consumer and its invocation id, so two consumers' ids never
 * meet).
 *
 * <p>The invocation runs the checks and the routing of {@link VacpAccess}, then hands the call to
 * the provider's {@link VacpProviderRouter} (SLA, priority, breaker), which calls B's {@code
 * invoke}. A final outcome is persisted: the result (B accepted), or B's refusal. The same id with
 * the same request is then answered from state without calling B again; with another request it is
 * {@code IDEMPOTENCY_CONFLICT}. Outcomes that say nothing about B's answer (a refused check,
 * throttling, an open breaker, B failing or not answering in time) are not persisted: the consumer
 * may retry with the same id.
 *
 * <p>A success records the authorisation's fee per use on the user's setting ({@link
 * Interworking.RecordUse}, use id derived from this entity's id, so a retry never charges twice);
 * the entity is remembered until that is done, so the fee lands also after a crash.
 */
public final class VacpInvocation
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpInvocation.Command, VacpInvocation.Event, VacpInvocation.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpInvocation");

  public static String entityId(String consumerPlatformId, String invocationId) {
    return consumerPlatformId + "/" + invocationId;
  }

  /** What the consumer asked: {@code capability} as given (an id or a service name). */
  public record Request(
      String consumerPlatformId,
      String invocationId,
      String msisdn,
      String capability,
      Optional<String> payload)
      implements CborSerializable {}

  /** The answer of a successful invocation; {@code result} is JSON. */
  public record Result(
      String invocationId,
      Optional<String> result,
      String providerPlatformId,
      String capabilityId,
      Optional<String> region)
      implements CborSerializable {}

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  public record Invoke(Request request, ActorRef<Answer> replyTo) implements Command {}

  /** The reply to {@link Invoke}. */
  public sealed interface Answer extends CborSerializable {}

  public record Invoked(Result result) implements Answer {}

  /** Refused; {@code retryAfterSeconds} when trying again later may work (429, 503). */
  public record Refused(ErrorCode code, String detail, Optional<Long> retryAfterSeconds)
      implements Answer {}

  private record Routed(Request request, VacpAccess.Grant grant, VacpProviderRouter.Outcome outcome)
      implements Command {}

  private record NotRouted(Request request, Refused refused) implements Command {}

  private record FeeAnswered(boolean done, String detail) implements Command {}

  private enum DriveFee implements Command {
    INSTANCE
  }

  private enum IdleCheck implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  /** B accepted; {@code fee} is owed to the setting {@code interworkingId}. */
  public record InvocationSucceeded(
      Request request, Result result, String interworkingId, long fee, Instant at)
      implements Event {}

  /** B refused the invocation. */
  public record InvocationRejected(Request request, String providerPlatformId, String detail)
      implements Event {}

  /** The fee is on the setting (or the setting was gone and nothing could be recorded). */
  public record FeeRecorded(boolean recorded) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NotInvoked.class, name = "none"),
    @JsonSubTypes.Type(value = Succeeded.class, name = "succeeded"),
    @JsonSubTypes.Type(value = Rejected.class, name = "rejected")
  })
  public sealed interface State extends CborSerializable {}

  public record NotInvoked() implements State {}

  public record Succeeded(
      Request request, Result result, String interworkingId, long fee, boolean feePending)
      implements State {}

  public record Rejected(Request request, String providerPlatformId, String detail)
      implements State {}

  // ---------------------------------------------------------------- wiring

  /** What an invocation needs from its node. */
  public record Ports(
      VacpPorts ports,
      VacpAccess access,
      EntityRefs refs,
      Scheduler scheduler,
      VacpSettings settings,
      VacpRoutingSettings routing,
      Clock clock) {}

  public static void init(ActorSystem<?> system, Ports ports) {
    RememberedEntity.init(
        system,
        KEY,
        Stop.INSTANCE,
        (id, context, timers, passivate) ->
            new VacpInvocation(id, ports, context, timers, passivate));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String entityId, Ports ports) {
    return RememberedEntity.standalone(
        entityId,
        (id, context, timers, passivate) ->
            new VacpInvocation(id, ports, context, timers, passivate));
  }

  private final String entityId;
  private final Ports deps;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;

  // Not persisted: the request being worked on and who waits for it; after a crash, callers retry.
  private Optional<Request> running = Optional.empty();
  private final List<ActorRef<Answer>> waiting = new ArrayList<>();
  private boolean feeInFlight;
  private int feeFailures;

  private VacpInvocation(
      String entityId,
      Ports deps,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), entityId), EntityRestart.WITH_BACKOFF);
    this.entityId = entityId;
    this.deps = deps;
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
    return new NotInvoked();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Succeeded s && s.feePending()) driveFee(s);
              armIdleCheck();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Invoke.class, this::onInvoke)
        .onCommand(Routed.class, this::onRouted)
        .onCommand(NotRouted.class, this::onNotRouted)
        .onCommand(FeeAnswered.class, this::onFeeAnswered)
        .onCommand(
            DriveFee.class,
            (s, c) -> {
              if (s instanceof Succeeded done && done.feePending()) driveFee(done);
              return Effect().noReply();
            })
        .onCommand(IdleCheck.class, this::onIdleCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .build();
  }

  private ReplyEffect<Event, State> onInvoke(State state, Invoke cmd) {
    Request request = cmd.request();
    Optional<Request> known = running;
    if (state instanceof Succeeded s) known = Optional.of(s.request());
    if (state instanceof Rejected r) known = Optional.of(r.request());
    if (known.isPresent() && !known.get().equals(request)) {
      return Effect()
          .reply(
              cmd.replyTo(),
              new Refused(
                  ErrorCode.IDEMPOTENCY_CONFLICT,
                  "invocation "
                      + request.invocationId()
                      + " was already sent with another msisdn, capability or payload",
                  Optional.empty()));
    }
    if (state instanceof Succeeded s) {
      if (s.feePending() && feeInFlight) {
        waiting.add(cmd.replyTo());
        return Effect().noReply();
      }
      return Effect().reply(cmd.replyTo(), new Invoked(s.result()));
    }
    if (state instanceof Rejected r) return Effect().reply(cmd.replyTo(), rejected(r));
    waiting.add(cmd.replyTo());
    if (running.isEmpty()) {
      running = Optional.of(request);
      route(request);
    }
    return Effect().noReply();
  }

  /** Checks, finds the provider's address and hands the call to the provider's router. */
  private void route(Request request) {
    // The setting a use began on, so that a call never made ends its use at once.
    AtomicReference<VacpAccess.Grant> begun = new AtomicReference<>();
    CompletionStage<Routed> routed =
        deps.access()
            .check(
                request.consumerPlatformId(),
                request.msisdn(),
                request.capability(),
                Interworking.Mode.PULL)
            .thenCompose(
                grant ->
                    beginUse(grant)
                        .thenApply(
                            view -> {
                              begun.set(grant);
                              return grant;
                            }))
            .thenCompose(
                grant ->
                    deps.ports()
                        .<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
                            VacpPlatform.KEY, grant.providerPlatformId(), VacpPlatform.Get::new)
                        .thenCompose(
                            provider -> {
                              if (!provider.active()) {
                                throw new Refusal(
                                    ErrorCode.PROVIDER_FAILED,
                                    "provider platform "
                                        + provider.platformId()
                                        + " is suspended; not called");
                              }
                              return callRouter(request, grant, provider.endpoint());
                            }));
    context.pipeToSelf(
        routed,
        (done, failure) -> {
          if (failure == null) return done;
          if (begun.get() != null) endUse(begun.get());
          Throwable cause = Asks.unwrap(failure);
          if (cause instanceof Refusal r) {
            return new NotRouted(request, new Refused(r.code(), r.detail(), Optional.empty()));
          }
          context.getLog().warn("invocation {}: not routed ({})", entityId, cause.toString());
          return new NotRouted(
              request,
              new Refused(
                  ErrorCode.UNAVAILABLE,
                  "the invocation could not be routed in time, retry with the same id",
                  Optional.of(1L)));
        });
  }

  /**
   * Tells the setting a use begins, so that a cancellation meanwhile settles its fee too: it may
   * hold a cancellation back as long as the provider's call and the fee's recording can take.
   */
  private CompletionStage<Interworking.InterworkingView> beginUse(VacpAccess.Grant grant) {
    Duration askTimeout = deps.settings().askTimeout();
    Duration hold = deps.routing().routeTimeout(askTimeout).plus(askTimeout.multipliedBy(2));
    return deps.ports()
        .<Interworking.Command, Interworking.InterworkingView>ask(
            Interworking.KEY,
            grant.interworking().interworkingId(),
            r -> new Interworking.BeginUse(useId(), hold, r));
  }

  /** The use ends without a fee: a cancellation waiting for it need not wait any longer. */
  private void endUse(VacpAccess.Grant grant) {
    deps.ports()
        .tell(
            Interworking.KEY,
            grant.interworking().interworkingId(),
            new Interworking.EndUse(useId()));
  }

  private String useId() {
    return "invocation:" + entityId;
  }

  private CompletionStage<Routed> callRouter(
      Request request, VacpAccess.Grant grant, PlatformGateway.Endpoint endpoint) {
    var terms = grant.authorization().terms();
    PlatformFields fields =
        PlatformFields.builder()
            .text("invocationId", request.invocationId())
            .text("msisdn", request.msisdn())
            .text("capabilityId", grant.capability().capabilityId())
            .text("service", grant.capability().spec().service())
            .text("consumerPlatformId", request.consumerPlatformId())
            .text("providerPlatformId", grant.providerPlatformId())
            .build();
    return Asks.<VacpProviderRouter.Command, VacpProviderRouter.Outcome>ask(
            deps.refs().refFor(VacpProviderRouter.KEY, grant.providerPlatformId()),
            replyTo ->
                new VacpProviderRouter.Call(
                    request.consumerPlatformId(),
                    grant.capability().capabilityId(),
                    terms.priority(),
                    terms.ratePerSecond(),
                    terms.burst(),
                    endpoint,
                    "invoke",
                    fields,
                    request.payload(),
                    replyTo),
            deps.routing().routeTimeout(deps.settings().askTimeout()),
            deps.scheduler())
        .thenApply(outcome -> new Routed(request, grant, outcome));
  }

  private ReplyEffect<Event, State> onNotRouted(State state, NotRouted notRouted) {
    if (!running.equals(Optional.of(notRouted.request()))) return Effect().noReply();
    answerAll(notRouted.refused());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onRouted(State state, Routed routed) {
    if (!running.equals(Optional.of(routed.request())) || !(state instanceof NotInvoked)) {
      return Effect().noReply();
    }
    Request request = routed.request();
    VacpAccess.Grant grant = routed.grant();
    String provider = grant.providerPlatformId();
    VacpProviderRouter.Outcome outcome = routed.outcome();
    if (!(outcome instanceof VacpProviderRouter.Answered a)
        || a.outcome() != PlatformGateway.Outcome.ACCEPTED) {
      endUse(grant);
    }
    if (outcome instanceof VacpProviderRouter.Throttled t) {
      answerAll(new Refused(ErrorCode.THROTTLED, t.reason(), Optional.of(t.retryAfterSeconds())));
      return Effect().noReply();
    }
    if (outcome instanceof VacpProviderRouter.Unavailable u) {
      answerAll(new Refused(ErrorCode.UNAVAILABLE, u.reason(), Optional.of(u.retryAfterSeconds())));
      return Effect().noReply();
    }
    var answered = (VacpProviderRouter.Answered) outcome;
    switch (answered.outcome()) {
      case ACCEPTED -> {
        var result =
            new Result(
                request.invocationId(),
                answered.result(),
                provider,
                grant.capability().capabilityId(),
                grant.region());
        var succeeded =
            new InvocationSucceeded(
                request,
                result,
                grant.interworking().interworkingId(),
                grant.authorization().terms().feePerUse(),
                deps.clock().instant());
        return Effect()
            .persist(succeeded)
            .thenRun(
                s -> {
                  running = Optional.empty();
                  driveFee((Succeeded) s);
                })
            .thenNoReply();
      }
      case REJECTED -> {
        String detail =
            "provider platform " + provider + " refused the invocation: " + answered.reason();
        return Effect()
            .persist(new InvocationRejected(request, provider, detail))
            .thenRun(
                s -> {
                  running = Optional.empty();
                  answerAll(rejected((Rejected) s));
                })
            .thenNoReply();
      }
      default -> {
        boolean timeout = answered.outcome() == PlatformGateway.Outcome.TIMEOUT;
        answerAll(
            new Refused(
                timeout ? ErrorCode.PROVIDER_TIMEOUT : ErrorCode.PROVIDER_FAILED,
                "provider platform "
                    + provider
                    + (timeout ? " did not answer in time: " : " failed: ")
                    + answered.reason(),
                Optional.empty()));
        return Effect().noReply();
      }
    }
  }

  private static Refused rejected(Rejected r) {
    return new Refused(ErrorCode.PROVIDER_REJECTED, r.detail(), Optional.empty());
  }

  /** Ends the running attempt with {@code answer} to everyone waiting for it. */
  private void answerAll(Answer answer) {
    running = Optional.empty();
    List.copyOf(waiting).forEach(w -> w.tell(answer));
    waiting.clear();
  }

  // ---------------------------------------------------------------- the fee

  private void driveFee(Succeeded state) {
    if (feeInFlight) return;
    feeInFlight = true;
    context.pipeToSelf(
        deps.ports()
            .<Interworking.Command, Interworking.InterworkingView>ask(
                Interworking.KEY,
                state.interworkingId(),
                r -> new Interworking.RecordUse(useId(), state.fee(), r)),
        (view, failure) -> {
          if (failure == null) return new FeeAnswered(true, "recorded");
          Throwable cause = Asks.unwrap(failure);
          if (cause instanceof Refusal r) return new FeeAnswered(true, "refused: " + r);
          return new FeeAnswered(false, cause.toString());
        });
  }

  private ReplyEffect<Event, State> onFeeAnswered(State state, FeeAnswered answer) {
    feeInFlight = false;
    if (!(state instanceof Succeeded s) || !s.feePending()) return Effect().noReply();
    List<ActorRef<Answer>> owed = List.copyOf(waiting);
    waiting.clear();
    owed.forEach(w -> w.tell(new Invoked(s.result())));
    if (!answer.done()) {
      feeFailures++;
      context
          .getLog()
          .warn("invocation {}: fee not recorded yet ({}), retrying", entityId, answer.detail());
      timers.startSingleTimer(
          DriveFee.INSTANCE, DriveFee.INSTANCE, deps.settings().backoff(feeFailures));
      return Effect().noReply();
    }
    boolean recorded = !answer.detail().startsWith("refused");
    if (!recorded) {
      context
          .getLog()
          .warn(
              "invocation {}: the fee could not be recorded on {} ({})",
              entityId,
              s.interworkingId(),
              answer.detail());
    }
    return Effect().persist(new FeeRecorded(recorded)).thenNoReply();
  }

  // ---------------------------------------------------------------- passivation

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    boolean busy =
        running.isPresent() || (state instanceof Succeeded s && s.feePending()) || feeInFlight;
    if (busy) armIdleCheck();
    else passivate.run();
    return Effect().noReply();
  }

  private void armIdleCheck() {
    timers.startSingleTimer(
        IdleCheck.INSTANCE, IdleCheck.INSTANCE, deps.routing().invocationLinger());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(NotInvoked.class)
        .onEvent(
            InvocationSucceeded.class,
            (s, e) -> new Succeeded(e.request(), e.result(), e.interworkingId(), e.fee(), true))
        .onEvent(
            InvocationRejected.class,
            (s, e) -> new Rejected(e.request(), e.providerPlatformId(), e.detail()));
    builder
        .forStateType(Succeeded.class)
        .onEvent(
            FeeRecorded.class,
            (s, e) -> new Succeeded(s.request(), s.result(), s.interworkingId(), s.fee(), false));
    return builder.build();
  }
}
