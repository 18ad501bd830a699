package io.scp.actors.vpn;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.OpenAcrossChecks;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.function.BiConsumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
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
 * The open postpaid calls of one bucket of call ids. A prepaid call is woken after a crash by the
 * account that holds its reservation; a postpaid call holds no money, so it registers here before
 * it connects and leaves when it closes. The watch is remembered: after a crash it starts again on
 * a survivor and tells each call that stayed open across two checks, which starts a call whose node
 * died and lets its supervision close it. A call that answers it is closed is forgotten.
 */
public final class PostpaidCallWatch
    extends EventSourcedBehaviorWithEnforcedReplies<
        PostpaidCallWatch.Command, PostpaidCallWatch.Event, PostpaidCallWatch.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VpnPostpaidCallWatch");

  /** Call ids spread over this many watch entities. */
  static final int BUCKETS = 32;

  public sealed interface Command extends CborSerializable {}

  /** Registers an open call; answered once it is durable. */
  public record Watch(String callId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The call is closed (or unknown) and needs no watching. */
  public record Forget(String callId) implements Command {}

  enum Check implements Command {
    INSTANCE
  }

  enum Stop implements Command {
    INSTANCE
  }

  public sealed interface Event extends CborSerializable {}

  public record CallWatched(String callId) implements Event {}

  public record CallForgotten(String callId) implements Event {}

  /** The watched call ids; mutated by the event handler only. */
  public record State(LinkedHashSet<String> callIds) implements CborSerializable {}

  public static String bucketOf(String callId) {
    return Integer.toString(Math.floorMod(callId.hashCode(), BUCKETS));
  }

  /** {@code tell} reaches a watched call with the bucket id of this watch. */
  public static void init(
      ActorSystem<?> system, Duration checkInterval, BiConsumer<String, String> tell) {
    RememberedEntity.init(
        system,
        KEY,
        Stop.INSTANCE,
        (id, context, timers, passivate) ->
            new PostpaidCallWatch(id, checkInterval, tell, timers, passivate, context.getSystem()));
  }

  /** For tests without sharding. */
  public static Behavior<Command> create(
      String bucket, Duration checkInterval, BiConsumer<String, String> tell) {
    return RememberedEntity.standalone(
        bucket,
        (id, context, timers, passivate) ->
            new PostpaidCallWatch(id, checkInterval, tell, timers, passivate, context.getSystem()));
  }

  private final String bucket;
  private final Duration checkInterval;
  private final BiConsumer<String, String> tell;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;
  private final ActorSystem<?> system;

  private final OpenAcrossChecks checks = new OpenAcrossChecks();

  private PostpaidCallWatch(
      String bucket,
      Duration checkInterval,
      BiConsumer<String, String> tell,
      TimerScheduler<Command> timers,
      Runnable passivate,
      ActorSystem<?> system) {
    super(PersistenceId.of(KEY.name(), bucket), EntityRestart.WITH_BACKOFF);
    this.bucket = bucket;
    this.checkInterval = checkInterval;
    this.tell = tell;
    this.timers = timers;
    this.passivate = passivate;
    this.system = system;
  }

  @Override
  public State emptyState() {
    return new State(new LinkedHashSet<>());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  /** A copy, so that the snapshot store never reads collections the event handler still changes. */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(system);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              checks.recovered(state.callIds());
              armCheck(state);
            })
        .build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Watch.class, this::onWatch)
        .onCommand(Forget.class, this::onForget)
        .onCommand(Check.class, this::onCheck)
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply())
        .build();
  }

  private ReplyEffect<Event, State> onWatch(State state, Watch cmd) {
    if (state.callIds().contains(cmd.callId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new CallWatched(cmd.callId()))
        .thenRun(this::armCheck)
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onForget(State state, Forget cmd) {
    if (!state.callIds().contains(cmd.callId())) return Effect().noReply();
    return Effect().persist(new CallForgotten(cmd.callId())).thenNoReply();
  }

  private ReplyEffect<Event, State> onCheck(State state, Check check) {
    for (String callId : checks.check(state.callIds())) tell.accept(callId, bucket);
    armCheck(state);
    if (state.callIds().isEmpty()) passivate.run();
    return Effect().noReply();
  }

  private void armCheck(State state) {
    if (state.callIds().isEmpty() || timers.isTimerActive(Check.INSTANCE)) return;
    timers.startSingleTimer(Check.INSTANCE, Check.INSTANCE, checkInterval);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            CallWatched.class,
            (s, e) -> {
              s.callIds().add(e.callId());
              return s;
            })
        .onEvent(
            CallForgotten.class,
            (s, e) -> {
              s.callIds().remove(e.callId());
              return s;
            })
        .build();
  }
}
