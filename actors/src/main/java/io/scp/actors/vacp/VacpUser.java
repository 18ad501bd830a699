package io.scp.actors.vacp;

import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import io.scp.actors.subscriber.Subscriber;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
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
 * A user's interworking settings, keyed by MSISDN: the index of the settings that involve the user
 * and the owner of the cascade when the user drops a value-added service.
 *
 * <p>An interworking is tracked here before it checks the user, so the index holds every setting
 * that may be active (and perhaps some that failed, which are harmless). Dropping a service is
 * persisted as intent first: every tracked setting that involves the service (as consumer or as
 * provider platform) is cancelled, each through its billing settlement, and only then is the
 * service removed from the subscriber. The cascade is retried until done, also after a restart.
 * While it runs, new settings that involve the service are refused.
 */
public final class VacpUser
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpUser.Command, VacpUser.Event, VacpUser.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "VacpUser");

  /** One interworking of the user. */
  public record Link(
      String interworkingId,
      String consumerPlatformId,
      String capabilityId,
      String providerPlatformId)
      implements CborSerializable {

    boolean involves(String serviceId) {
      return consumerPlatformId.equals(serviceId) || providerPlatformId.equals(serviceId);
    }
  }

  public record UserView(String msisdn, List<Link> links) implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /** Answers {@code Done} once the link is in the index (its view would grow with the user). */
  public record Track(Link link, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Sent by an interworking once it is cancelled; no answer. */
  public record Untrack(String interworkingId) implements Command {}

  /**
   * Cancels every interworking that involves the service, then unsubscribes the subscriber from it;
   * answers the subscriber.
   */
  public record DropService(
      String serviceId, ActorRef<StatusReply<Subscriber.SubscriberView>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<UserView>> replyTo) implements Command {}

  record CancelsDone(String serviceId) implements Command {}

  record StepFailed(String serviceId, String detail) implements Command {}

  record Unsubscribed(
      String serviceId, Optional<Subscriber.SubscriberView> subscriber, Optional<Refusal> refusal)
      implements Command {}

  enum Resume implements Command {
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

  public record LinkTracked(Link link) implements Event {}

  public record LinkUntracked(String interworkingId) implements Event {}

  public record DropStarted(String serviceId, List<String> interworkingIds) implements Event {}

  public record DropCompleted(String serviceId) implements Event {}

  // ---------------------------------------------------------------- state

  public record Drop(String serviceId, List<String> interworkingIds) implements CborSerializable {}

  /** {@code links} by interworking id, mutated by the event handler only. */
  public record State(LinkedHashMap<String, Link> links, Optional<Drop> drop)
      implements CborSerializable {}

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, VacpPorts ports, VacpSettings settings) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(ports, settings));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String msisdn, VacpPorts ports, VacpSettings settings) {
    return RememberedEntity.standalone(msisdn, factory(ports, settings));
  }

  private static RememberedEntity.Factory<Command> factory(VacpPorts ports, VacpSettings settings) {
    return (id, context, timers, passivate) ->
        new VacpUser(id, ports, settings, context, timers, passivate);
  }

  private final String msisdn;
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;

  // Not persisted: the drop without settings to cancel, and who waits for the drop in progress.
  private Optional<String> unpersistedDrop = Optional.empty();
  private final List<ActorRef<StatusReply<Subscriber.SubscriberView>>> waiters = new ArrayList<>();
  private boolean stepInFlight;
  private int failures;

  private VacpUser(
      String msisdn,
      VacpPorts ports,
      VacpSettings settings,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), msisdn), EntityRestart.WITH_BACKOFF);
    this.msisdn = msisdn;
    this.ports = ports;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return new State(new LinkedHashMap<>(), Optional.empty());
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
              state.drop().ifPresent(this::driveCancels);
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
            .onCommand(Track.class, this::onTrack)
            .onCommand(Untrack.class, this::onUntrack)
            .onCommand(DropService.class, this::onDropService)
            .onCommand(
                Get.class,
                (s, c) ->
                    Effect()
                        .reply(
                            c.replyTo(),
                            StatusReply.success(
                                new UserView(msisdn, List.copyOf(s.links().values())))))
            .onCommand(CancelsDone.class, this::onCancelsDone)
            .onCommand(Unsubscribed.class, this::onUnsubscribed)
            .onCommand(StepFailed.class, this::onStepFailed)
            .onCommand(Resume.class, this::onResume)
            .onCommand(IdleCheck.class, this::onIdleCheck)
            .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
            .build());
  }

  private Optional<String> dropping(State state) {
    return state.drop().map(Drop::serviceId).or(() -> unpersistedDrop);
  }

  private ReplyEffect<Event, State> onTrack(State state, Track cmd) {
    Link link = cmd.link();
    Optional<String> dropping = dropping(state);
    if (dropping.isPresent() && link.involves(dropping.get())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.NOT_SUBSCRIBED,
                      msisdn + " is unsubscribing from service " + dropping.get())));
    }
    if (link.equals(state.links().get(link.interworkingId()))) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect().persist(new LinkTracked(link)).thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onUntrack(State state, Untrack cmd) {
    if (!state.links().containsKey(cmd.interworkingId())) return Effect().noReply();
    return Effect().persist(new LinkUntracked(cmd.interworkingId())).thenNoReply();
  }

  private ReplyEffect<Event, State> onDropService(State state, DropService cmd) {
    Optional<String> dropping = dropping(state);
    if (dropping.isPresent()) {
      if (!dropping.get().equals(cmd.serviceId())) return Effect().stash();
      waiters.add(cmd.replyTo());
      return Effect().noReply();
    }
    waiters.add(cmd.replyTo());
    List<String> involved =
        state.links().values().stream()
            .filter(l -> l.involves(cmd.serviceId()))
            .map(Link::interworkingId)
            .toList();
    if (involved.isEmpty()) {
      unpersistedDrop = Optional.of(cmd.serviceId());
      unsubscribe(cmd.serviceId());
      return Effect().noReply();
    }
    return Effect()
        .persist(new DropStarted(cmd.serviceId(), involved))
        .thenRun(s -> s.drop().ifPresent(this::driveCancels))
        .thenNoReply();
  }

  /** Cancels (settles) every involved interworking; one that is already gone counts as done. */
  private void driveCancels(Drop drop) {
    if (stepInFlight) return;
    stepInFlight = true;
    List<CompletableFuture<Void>> cancels = new ArrayList<>();
    for (String id : drop.interworkingIds()) {
      CompletionStage<Void> cancelled =
          ports
              .<Interworking.Command, Interworking.Settled>ask(
                  Interworking.KEY,
                  id,
                  r -> new Interworking.Cancel(Interworking.CancelReason.SERVICE_UNSUBSCRIBED, r))
              .handle(
                  (settled, failure) -> {
                    if (failure == null || Asks.unwrap(failure) instanceof Refusal) return null;
                    throw new CompletionException(Asks.unwrap(failure));
                  });
      cancels.add(cancelled.toCompletableFuture());
    }
    context.pipeToSelf(
        CompletableFuture.allOf(cancels.toArray(CompletableFuture[]::new)),
        (done, failure) ->
            failure == null
                ? new CancelsDone(drop.serviceId())
                : new StepFailed(drop.serviceId(), String.valueOf(Asks.unwrap(failure))));
  }

  private ReplyEffect<Event, State> onCancelsDone(State state, CancelsDone done) {
    stepInFlight = false;
    unsubscribe(done.serviceId());
    return Effect().noReply();
  }

  private void unsubscribe(String serviceId) {
    stepInFlight = true;
    context.pipeToSelf(
        ports.<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, msisdn, r -> new Subscriber.UnsubscribeService(serviceId, r)),
        (view, failure) -> {
          if (failure == null)
            return new Unsubscribed(serviceId, Optional.of(view), Optional.empty());
          if (Asks.unwrap(failure) instanceof Refusal refusal) {
            return new Unsubscribed(serviceId, Optional.empty(), Optional.of(refusal));
          }
          return new StepFailed(serviceId, String.valueOf(Asks.unwrap(failure)));
        });
  }

  private ReplyEffect<Event, State> onUnsubscribed(State state, Unsubscribed done) {
    stepInFlight = false;
    failures = 0;
    StatusReply<Subscriber.SubscriberView> reply =
        done.subscriber().isPresent()
            ? StatusReply.success(done.subscriber().get())
            : StatusReply.error(done.refusal().orElseThrow());
    if (state.drop().isEmpty()) {
      unpersistedDrop = Optional.empty();
      answerWaiters(reply);
      return Effect().noReply().thenUnstashAll();
    }
    return Effect()
        .persist(new DropCompleted(done.serviceId()))
        .thenRun(s -> answerWaiters(reply))
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> onStepFailed(State state, StepFailed failed) {
    stepInFlight = false;
    if (state.drop().isEmpty()) {
      // Nothing was persisted: the caller gets the failure and may retry.
      unpersistedDrop = Optional.empty();
      answerWaiters(
          StatusReply.error(
              new Refusal(ErrorCode.UNAVAILABLE, "the subscriber did not answer in time, retry")));
      return Effect().noReply().thenUnstashAll();
    }
    failures++;
    context
        .getLog()
        .warn(
            "{}: dropping service {} did not complete ({}), retrying",
            msisdn,
            failed.serviceId(),
            failed.detail());
    timers.startSingleTimer(Resume.INSTANCE, Resume.INSTANCE, settings.backoff(failures));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onResume(State state, Resume resume) {
    state.drop().ifPresent(this::driveCancels);
    return Effect().noReply();
  }

  private void answerWaiters(StatusReply<Subscriber.SubscriberView> reply) {
    List<ActorRef<StatusReply<Subscriber.SubscriberView>>> all = List.copyOf(waiters);
    waiters.clear();
    all.forEach(w -> w.tell(reply));
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck check) {
    idle.onCheck(dropping(state).isPresent() || stepInFlight);
    return Effect().noReply();
  }

  private UserView view(State state) {
    return new UserView(msisdn, List.copyOf(state.links().values()));
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            LinkTracked.class,
            (s, e) -> {
              s.links().put(e.link().interworkingId(), e.link());
              return s;
            })
        .onEvent(
            LinkUntracked.class,
            (s, e) -> {
              s.links().remove(e.interworkingId());
              return s;
            })
        .onEvent(
            DropStarted.class,
            (s, e) ->
                new State(s.links(), Optional.of(new Drop(e.serviceId(), e.interworkingIds()))))
        .onEvent(
            DropCompleted.class,
            (s, e) -> {
              s.drop().ifPresent(d -> d.interworkingIds().forEach(s.links()::remove));
              return new State(s.links(), Optional.empty());
            })
        .build();
  }
}
