package io.scp.actors.sipuri;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A pool of shared SIP-URIs, keyed by pool id: which URIs it has, which are occupied by whom, and
 * when each occupation ends.
 *
 * <p>The pool is the single writer of allocation decisions, and its journal is the source of truth
 * for "who holds URI x": an allocation is persisted here first, then bound on the URI's {@link
 * SipUriSlot}; a release is confirmed by the slot first, then persisted here. So every URI bound on
 * a slot is occupied in its pool, and the pool never hands out a URI whose slot may still be bound.
 * The slot double-checks: it refuses to bind a second allocation while bound. Allocation is
 * idempotent per (pool, msisdn): a user who holds a URI gets that URI again, and the binding on the
 * slot is re-driven with the same allocation number, which also repairs a crash between the two
 * writes.
 *
 * <p>State stays compact for pools of 100 000+ URIs: URIs as ranges or lists ({@link UriSegment}),
 * occupancy as bit sets, the idle queue as an int ring, holders in one map. The pool owns the
 * release deadlines (hold time after call end); it is remembered by sharding, so after a restart it
 * comes back and re-arms them from its state.
 */
public final class SipUriPool
    extends EventSourcedBehaviorWithEnforcedReplies<
        SipUriPool.Command, SipUriPool.Event, SipUriPool.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "SipUriPool");

  public enum Strategy {
    /** The next idle URI after the position last handed out, wrapping around. */
    ROUND_ROBIN,
    /** The URI that has been idle longest (never used ones first, in provisioning order). */
    IDLE_QUEUE
  }

  public record PoolView(
      String poolId, Strategy strategy, long maxHoldSeconds, int total, int idle, int occupied)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  public record Configure(
      Strategy strategy, long maxHoldSeconds, ActorRef<StatusReply<Configured>> replyTo)
      implements Command {}

  public record Configured(PoolView pool, boolean created) implements CborSerializable {}

  /**
   * Adds URIs. {@code passwords} is empty (all generated) or has one entry per URI (empty ones
   * generated).
   */
  public record AddUris(
      UriSegment uris, List<Optional<Secret>> passwords, ActorRef<StatusReply<Added>> replyTo)
      implements Command {}

  public record Added(int added, int skipped, int total) implements CborSerializable {}

  public record Allocate(String msisdn, ActorRef<StatusReply<Allocation>> replyTo)
      implements Command {}

  public record Allocation(String uri, Secret password, String msisdn, Instant allocatedAt)
      implements CborSerializable {}

  public record Release(String msisdn, ActorRef<StatusReply<Released>> replyTo)
      implements Command {}

  public record Released(String uri) implements CborSerializable {}

  public record CallEnded(String msisdn, ActorRef<StatusReply<ReleasePlanned>> replyTo)
      implements Command {}

  public record ReleasePlanned(String uri, Instant releaseAt) implements CborSerializable {}

  public record Get(ActorRef<StatusReply<PoolView>> replyTo) implements Command {}

  /** Who waits for a slot's answer to {@code Hold}. */
  sealed interface HoldWaiter {}

  record AllocateWaiter(ActorRef<StatusReply<Allocation>> replyTo) implements HoldWaiter {}

  record CallEndedWaiter(ActorRef<StatusReply<ReleasePlanned>> replyTo) implements HoldWaiter {}

  record HoldAnswered(
      String msisdn,
      long allocation,
      HoldWaiter waiter,
      int attempt,
      Optional<SipUriSlot.HoldResult> result)
      implements Command {}

  record UnbindAnswered(
      String msisdn,
      long allocation,
      Optional<ActorRef<StatusReply<Released>>> replyTo,
      int attempt,
      Optional<SipUriSlot.UnbindResult> result)
      implements Command {}

  record ClaimAnswered(
      long job, int offset, boolean force, int attempt, Optional<SipUriSlot.ClaimResult> result)
      implements Command {}

  /** The pool's deadline timer: releases whose time has come. */
  enum ReleaseDue implements Command {
    INSTANCE
  }

  enum IdleCheck implements Command {
    INSTANCE
  }

  public enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record PoolConfigured(Strategy strategy, long maxHoldSeconds) implements Event {}

  /** URIs added at the pool's next positions; the offsets in {@code skipped} were not added. */
  public record UrisAdded(UriSegment uris, long[] skipped) implements Event {}

  public record UriAllocated(int position, String msisdn, long allocation, Instant allocatedAt)
      implements Event {}

  public record ReleaseScheduled(String msisdn, long allocation, Instant releaseAt)
      implements Event {}

  /**
   * The holder asked for its URI again during the hold after a call: it is in use again, so it is
   * no longer released at the planned time (the next call end plans a new one).
   */
  public record ReleaseCancelled(String msisdn, long allocation) implements Event {}

  public record UriReleased(int position, String msisdn, long allocation) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unconfigured.class, name = "unconfigured"),
    @JsonSubTypes.Type(value = Pool.class, name = "pool")
  })
  public sealed interface State extends CborSerializable {}

  public record Unconfigured() implements State {}

  /** One user's occupation of a URI. */
  public record Holding(
      int position, long allocation, Instant allocatedAt, Optional<Instant> releaseAt)
      implements CborSerializable {}

  /**
   * A configured pool. Positions {@code 0..capacity-1} number the URIs of all segments in order;
   * skipped positions are {@code absent} and never handed out. Mutated in place by the event
   * handler only; serialized in its compact form (bit sets as words, the idle queue as ints).
   */
  @JsonAutoDetect(
      fieldVisibility = JsonAutoDetect.Visibility.NONE,
      getterVisibility = JsonAutoDetect.Visibility.NONE,
      isGetterVisibility = JsonAutoDetect.Visibility.NONE)
  public static final class Pool implements State {
    private Strategy strategy;
    private long maxHoldSeconds;
    private final UriPositions positions;
    private final BitSet unavailable;
    private int cursor;
    private IdleQueue queue;
    private long nextAllocation;
    private final HashMap<String, Holding> holders;
    private final LinkedHashMap<String, Integer> recentReleases;

    Pool(Strategy strategy, long maxHoldSeconds) {
      this(
          strategy,
          maxHoldSeconds,
          List.of(),
          new long[0],
          new long[0],
          -1,
          strategy == Strategy.IDLE_QUEUE ? new int[0] : null,
          1,
          Map.of(),
          Map.of());
    }

    @JsonCreator
    Pool(
        @JsonProperty("strategy") Strategy strategy,
        @JsonProperty("maxHoldSeconds") long maxHoldSeconds,
        @JsonProperty("segments") List<UriSegment> segments,
        @JsonProperty("absent") long[] absent,
        @JsonProperty("unavailable") long[] unavailable,
        @JsonProperty("cursor") int cursor,
        @JsonProperty("queue") int[] queue,
        @JsonProperty("nextAllocation") long nextAllocation,
        @JsonProperty("holders") Map<String, Holding> holders,
        @JsonProperty("recentReleases") Map<String, Integer> recentReleases) {
      this.strategy = strategy;
      this.maxHoldSeconds = maxHoldSeconds;
      this.positions = new UriPositions(segments, absent);
      this.unavailable = BitSet.valueOf(unavailable);
      this.cursor = cursor;
      this.queue = queue == null ? null : new IdleQueue(queue);
      this.nextAllocation = nextAllocation;
      this.holders = new HashMap<>(holders);
      this.recentReleases = new LinkedHashMap<>(recentReleases);
    }

    @JsonProperty("strategy")
    public Strategy strategy() {
      return strategy;
    }

    @JsonProperty("maxHoldSeconds")
    public long maxHoldSeconds() {
      return maxHoldSeconds;
    }

    @JsonProperty("segments")
    List<UriSegment> segments() {
      return positions.segments();
    }

    @JsonProperty("absent")
    long[] absentWords() {
      return positions.absentWords();
    }

    @JsonProperty("unavailable")
    long[] unavailableWords() {
      return unavailable.toLongArray();
    }

    @JsonProperty("cursor")
    int cursor() {
      return cursor;
    }

    @JsonProperty("queue")
    int[] queuePositions() {
      return queue == null ? null : queue.toArray();
    }

    @JsonProperty("nextAllocation")
    long nextAllocation() {
      return nextAllocation;
    }

    @JsonProperty("holders")
    public Map<String, Holding> holders() {
      return holders;
    }

    @JsonProperty("recentReleases")
    Map<String, Integer> recentReleases() {
      return recentReleases;
    }

    public int capacity() {
      return positions.capacity();
    }

    public int total() {
      return positions.total();
    }

    public int occupied() {
      return holders.size();
    }

    boolean isMember(int position) {
      return positions.isMember(position);
    }

    public String uri(int position) {
      return positions.uri(position);
    }

    /** The position the strategy hands out next, or -1 when none is idle. */
    int nextIdle() {
      if (queue != null) return queue.peek();
      int capacity = capacity();
      int next = cursor + 1 >= capacity ? capacity : unavailable.nextClearBit(cursor + 1);
      if (next >= capacity) next = unavailable.nextClearBit(0);
      return next >= capacity ? -1 : next;
    }

    PoolView view(String poolId) {
      int total = total();
      return new PoolView(poolId, strategy, maxHoldSeconds, total, total - occupied(), occupied());
    }

    private void configure(Strategy strategy, long maxHoldSeconds) {
      this.maxHoldSeconds = maxHoldSeconds;
      if (strategy == this.strategy) return;
      this.strategy = strategy;
      queue = strategy == Strategy.IDLE_QUEUE ? new IdleQueue(idlePositions()) : null;
    }

    private int[] idlePositions() {
      int capacity = capacity();
      int[] idle = new int[capacity - unavailable.cardinality()];
      int i = 0;
      for (int p = unavailable.nextClearBit(0); p < capacity; p = unavailable.nextClearBit(p + 1)) {
        idle[i++] = p;
      }
      return idle;
    }

    private void add(UriSegment segment, BitSet skipped) {
      int start = positions.add(segment, skipped);
      for (int offset = 0; offset < segment.size(); offset++) {
        if (skipped.get(offset)) {
          unavailable.set(start + offset);
        } else if (queue != null) {
          queue.add(start + offset);
        }
      }
    }

    private void allocate(UriAllocated e) {
      unavailable.set(e.position());
      cursor = e.position();
      if (queue != null) queue.remove(e.position());
      holders.put(
          e.msisdn(), new Holding(e.position(), e.allocation(), e.allocatedAt(), Optional.empty()));
      recentReleases.remove(e.msisdn());
      nextAllocation = Math.max(nextAllocation, e.allocation() + 1);
    }

    private void release(UriReleased e, int remembered) {
      Holding h = holders.get(e.msisdn());
      if (h == null || h.allocation() != e.allocation()) return;
      holders.remove(e.msisdn());
      unavailable.clear(e.position());
      if (queue != null) queue.add(e.position());
      recentReleases.put(e.msisdn(), e.position());
      Iterator<String> oldest = recentReleases.keySet().iterator();
      while (recentReleases.size() > remembered && oldest.hasNext()) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, SipUriSettings settings, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    RememberedEntity.init(
        system,
        KEY,
        Stop.INSTANCE,
        factory(settings, clock, uri -> sharding.entityRefFor(SipUriSlot.KEY, uri)));
  }

  /** For tests without sharding: slots are found through {@code slots}; no passivation. */
  public static Behavior<Command> create(
      String poolId,
      SipUriSettings settings,
      Clock clock,
      Function<String, RecipientRef<SipUriSlot.Command>> slots) {
    return RememberedEntity.standalone(poolId, factory(settings, clock, slots));
  }

  private static RememberedEntity.Factory<Command> factory(
      SipUriSettings settings,
      Clock clock,
      Function<String, RecipientRef<SipUriSlot.Command>> slots) {
    return (poolId, context, timers, passivate) ->
        new SipUriPool(poolId, settings, clock, slots, context, timers, passivate);
  }

  /** A provisioning request being claimed on its slots (in memory; a crash abandons it). */
  private static final class ClaimJob {
    final long id;
    final AddUris request;
    final int start;
    final BitSet skipped = new BitSet();
    int next;
    int inFlight;
    int added;

    ClaimJob(long id, AddUris request, int start) {
      this.id = id;
      this.request = request;
      this.start = start;
    }

    int size() {
      return request.uris().size();
    }

    boolean done() {
      return next >= size() && inFlight == 0;
    }
  }

  /** One release deadline; stale entries (allocation already over) are skipped when due. */
  private record Deadline(Instant at, String msisdn, long allocation) {}

  private static final int MAX_QUEUED_JOBS = 16;

  private final String poolId;
  private final SipUriSettings settings;
  private final Clock clock;
  private final Function<String, RecipientRef<SipUriSlot.Command>> slots;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;
  private final PriorityQueue<Deadline> deadlines =
      new PriorityQueue<>((a, b) -> a.at().compareTo(b.at()));
  private final Queue<AddUris> waitingJobs = new ArrayDeque<>();
  private ClaimJob job;
  private long jobIds;

  private SipUriPool(
      String poolId,
      SipUriSettings settings,
      Clock clock,
      Function<String, RecipientRef<SipUriSlot.Command>> slots,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), poolId), EntityRestart.WITH_BACKOFF);
    this.poolId = poolId;
    this.settings = settings;
    this.clock = clock;
    this.slots = slots;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return new Unconfigured();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .build();
  }

  private void onRecoveryCompleted(State state) {
    deadlines.clear();
    if (state instanceof Pool pool) {
      pool.holders()
          .forEach(
              (msisdn, h) -> {
                if (h.releaseAt().isPresent()) {
                  deadlines.add(new Deadline(h.releaseAt().get(), msisdn, h.allocation()));
                }
              });
      armDeadline();
    }
    idle.arm();
  }

  // ---------------------------------------------------------------- command handlers

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onCommand(Configure.class, this::onFirstConfigure)
        .onCommand(AddUris.class, (s, c) -> Effect().reply(c.replyTo(), unknownPool()))
        .onCommand(Allocate.class, (s, c) -> Effect().reply(c.replyTo(), unknownPool()))
        .onCommand(Release.class, (s, c) -> Effect().reply(c.replyTo(), unknownPool()))
        .onCommand(CallEnded.class, (s, c) -> Effect().reply(c.replyTo(), unknownPool()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), unknownPool()))
        .onCommand(IdleCheck.class, (s, c) -> onIdleCheck())
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    builder
        .forStateType(Pool.class)
        .onCommand(Configure.class, this::onConfigure)
        .onCommand(AddUris.class, this::onAddUris)
        .onCommand(ClaimAnswered.class, this::onClaimAnswered)
        .onCommand(Allocate.class, this::onAllocate)
        .onCommand(HoldAnswered.class, this::onHoldAnswered)
        .onCommand(Release.class, this::onRelease)
        .onCommand(UnbindAnswered.class, this::onUnbindAnswered)
        .onCommand(CallEnded.class, this::onCallEnded)
        .onCommand(ReleaseDue.class, this::onReleaseDue)
        .onCommand(
            Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view(poolId))))
        .onCommand(IdleCheck.class, (s, c) -> onIdleCheck())
        .onCommand(Stop.class, (s, c) -> Effect().stop().thenNoReply());
    return idle.counting(builder.build());
  }

  private <T> StatusReply<T> unknownPool() {
    return refuse(ErrorCode.UNKNOWN_POOL, "pool " + poolId + " does not exist");
  }

  private static <T> StatusReply<T> refuse(ErrorCode code, String detail) {
    return StatusReply.error(new Refusal(code, detail));
  }

  private <T> StatusReply<T> unavailable(String why) {
    return refuse(ErrorCode.UNAVAILABLE, why + "; retry the same request");
  }

  // ---------------------------------------------------------------- configuration

  private ReplyEffect<Event, State> onFirstConfigure(Unconfigured state, Configure cmd) {
    return Effect()
        .persist(new PoolConfigured(cmd.strategy(), cmd.maxHoldSeconds()))
        .thenReply(
            cmd.replyTo(), s -> StatusReply.success(new Configured(((Pool) s).view(poolId), true)));
  }

  private ReplyEffect<Event, State> onConfigure(Pool state, Configure cmd) {
    if (state.strategy() == cmd.strategy() && state.maxHoldSeconds() == cmd.maxHoldSeconds()) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Configured(state.view(poolId), false)));
    }
    return Effect()
        .persist(new PoolConfigured(cmd.strategy(), cmd.maxHoldSeconds()))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Configured(((Pool) s).view(poolId), false)));
  }

  // ---------------------------------------------------------------- provisioning

  private ReplyEffect<Event, State> onAddUris(Pool state, AddUris cmd) {
    if (job == null) return startJob(state, cmd);
    if (waitingJobs.size() >= MAX_QUEUED_JOBS) {
      return Effect().reply(cmd.replyTo(), unavailable("too many provisioning requests at once"));
    }
    waitingJobs.add(cmd);
    return Effect().noReply();
  }

  /**
   * Claims every URI of the request on its slot, a bounded number at a time, then persists the
   * request with the positions that were skipped (duplicates, URIs of another pool).
   */
  private ReplyEffect<Event, State> startJob(Pool state, AddUris cmd) {
    job = new ClaimJob(++jobIds, cmd, state.capacity());
    Set<String> seen = new HashSet<>();
    if (cmd.uris() instanceof UriSegment.Listed listed) {
      for (int i = 0; i < listed.size(); i++) {
        if (!seen.add(listed.uri(i))) job.skipped.set(i);
      }
    }
    return claimMore(state);
  }

  private ReplyEffect<Event, State> claimMore(Pool state) {
    ClaimJob j = job;
    while (j.inFlight < settings.provisioningParallelism() && j.next < j.size()) {
      int offset = j.next++;
      if (j.skipped.get(offset)) continue;
      claim(j, offset, false, 1);
    }
    if (!j.done()) return Effect().noReply();
    int added = j.added;
    int skipped = j.size() - added;
    return Effect()
        .persist(new UrisAdded(j.request.uris(), j.skipped.toLongArray()))
        .thenRun(s -> nextJob((Pool) s))
        .thenReply(
            j.request.replyTo(),
            s -> StatusReply.success(new Added(added, skipped, ((Pool) s).total())));
  }

  private void claim(ClaimJob j, int offset, boolean force, int attempt) {
    j.inFlight++;
    Secret password = passwordFor(j, offset);
    context.ask(
        SipUriSlot.ClaimResult.class,
        slots.apply(j.request.uris().uri(offset)),
        settings.slotTimeout(),
        r -> new SipUriSlot.Claim(poolId, j.start + offset, password, force, r),
        (result, failure) ->
            new ClaimAnswered(j.id, offset, force, attempt, Optional.ofNullable(result)));
  }

  /**
   * The given password, or a new one. A retried claim may carry another new password than the first
   * try; the slot keeps the one it persisted, and allocations hand out the slot's.
   */
  private Secret passwordFor(ClaimJob j, int offset) {
    List<Optional<Secret>> given = j.request.passwords();
    if (!given.isEmpty() && given.get(offset).isPresent()) return given.get(offset).get();
    return Passwords.generate();
  }

  private ReplyEffect<Event, State> onClaimAnswered(Pool state, ClaimAnswered msg) {
    ClaimJob j = job;
    if (j == null || j.id != msg.job()) return Effect().noReply();
    j.inFlight--;
    int offset = msg.offset();
    if (msg.result().isEmpty()) {
      if (msg.attempt() < settings.slotAttempts()) {
        claim(j, offset, msg.force(), msg.attempt() + 1);
        return Effect().noReply();
      }
      nextJob(state);
      return Effect()
          .reply(
              j.request.replyTo(),
              unavailable("URI slots did not answer; nothing of this request was added"));
    }
    SipUriSlot.ClaimResult result = msg.result().get();
    if (result instanceof SipUriSlot.Claimed) {
      j.added++;
    } else if (result instanceof SipUriSlot.Member member
        && member.position() == j.start + offset) {
      j.added++; // claimed by this request already: an answer was lost and the claim retried
    } else if (result instanceof SipUriSlot.Member member
        && !msg.force()
        && !(state.isMember(member.position())
            && state.uri(member.position()).equals(j.request.uris().uri(offset)))) {
      claim(j, offset, true, 1); // claimed by a request of this pool that never completed
    } else {
      j.skipped.set(offset); // a duplicate, or a URI of another pool
    }
    return claimMore(state);
  }

  private void nextJob(Pool state) {
    job = null;
    AddUris waiting = waitingJobs.poll();
    if (waiting != null) context.getSelf().tell(waiting);
  }

  // ---------------------------------------------------------------- allocation

  private ReplyEffect<Event, State> onAllocate(Pool state, Allocate cmd) {
    Holding held = state.holders().get(cmd.msisdn());
    AllocateWaiter waiter = new AllocateWaiter(cmd.replyTo());
    if (held != null && held.releaseAt().isPresent()) {
      return Effect()
          .persist(new ReleaseCancelled(cmd.msisdn(), held.allocation()))
          .thenRun(
              s -> hold((Pool) s, cmd.msisdn(), ((Pool) s).holders().get(cmd.msisdn()), waiter, 1))
          .thenNoReply();
    }
    if (held != null) {
      hold(state, cmd.msisdn(), held, waiter, 1);
      return Effect().noReply();
    }
    int position = state.nextIdle();
    if (position < 0) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(ErrorCode.POOL_EXHAUSTED, "pool " + poolId + " has no idle SIP-URI"));
    }
    var event = new UriAllocated(position, cmd.msisdn(), state.nextAllocation(), clock.instant());
    return Effect()
        .persist(event)
        .thenRun(
            s -> hold((Pool) s, cmd.msisdn(), ((Pool) s).holders().get(cmd.msisdn()), waiter, 1))
        .thenNoReply();
  }

  /** Binds (again) the holder's URI on its slot; the answer goes to {@code waiter}. */
  private void hold(Pool state, String msisdn, Holding h, HoldWaiter waiter, int attempt) {
    context.ask(
        SipUriSlot.HoldResult.class,
        slots.apply(state.uri(h.position())),
        settings.slotTimeout(),
        r -> new SipUriSlot.Hold(poolId, msisdn, h.allocation(), h.allocatedAt(), h.releaseAt(), r),
        (result, failure) ->
            new HoldAnswered(msisdn, h.allocation(), waiter, attempt, Optional.ofNullable(result)));
  }

  private ReplyEffect<Event, State> onHoldAnswered(Pool state, HoldAnswered msg) {
    Holding h = state.holders().get(msg.msisdn());
    boolean current = h != null && h.allocation() == msg.allocation();
    if (msg.result().isEmpty() && current && msg.attempt() < settings.slotAttempts()) {
      hold(state, msg.msisdn(), h, msg.waiter(), msg.attempt() + 1);
      return Effect().noReply();
    }
    SipUriSlot.HoldResult result = msg.result().orElse(null);
    if (result instanceof SipUriSlot.Stale && current) {
      // The slot ended this allocation but the pool has not recorded it (a release under way, or
      // one cut short by a crash): finish it, so the URI does not stay occupied.
      unbind(state, msg.msisdn(), h, Optional.empty(), 1);
    }
    if (msg.waiter() instanceof CallEndedWaiter w) {
      // The pool owns the deadline; a slot released in the meantime was released as planned.
      if (h != null
          && current
          && (result instanceof SipUriSlot.Held || result instanceof SipUriSlot.Stale)) {
        return Effect()
            .reply(
                w.replyTo(),
                StatusReply.success(
                    new ReleasePlanned(state.uri(h.position()), h.releaseAt().orElseThrow())));
      }
      return Effect().reply(w.replyTo(), holdFailure(result, msg));
    }
    AllocateWaiter w = (AllocateWaiter) msg.waiter();
    if (result instanceof SipUriSlot.Held held && current) {
      return Effect()
          .reply(
              w.replyTo(),
              StatusReply.success(
                  new Allocation(
                      held.slot().uri(), held.password(), msg.msisdn(), h.allocatedAt())));
    }
    return Effect().reply(w.replyTo(), holdFailure(result, msg));
  }

  private <T> StatusReply<T> holdFailure(SipUriSlot.HoldResult result, HoldAnswered msg) {
    if (result == null) return unavailable("the SIP-URI slot did not answer");
    if (result instanceof SipUriSlot.HeldByOther || result instanceof SipUriSlot.NotMember) {
      context
          .getLog()
          .error(
              "pool {}: slot refused allocation {} of {}: {}",
              poolId,
              msg.allocation(),
              msg.msisdn(),
              result);
    }
    return unavailable("the SIP-URI of " + msg.msisdn() + " is being released");
  }

  // ---------------------------------------------------------------- release

  private ReplyEffect<Event, State> onRelease(Pool state, Release cmd) {
    Holding h = state.holders().get(cmd.msisdn());
    if (h != null) {
      unbind(state, cmd.msisdn(), h, Optional.of(cmd.replyTo()), 1);
      return Effect().noReply();
    }
    Integer released = state.recentReleases().get(cmd.msisdn());
    if (released != null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Released(state.uri(released))));
    }
    return Effect()
        .reply(
            cmd.replyTo(),
            refuse(ErrorCode.NOT_ALLOCATED, cmd.msisdn() + " holds no SIP-URI of pool " + poolId));
  }

  private void unbind(
      Pool state,
      String msisdn,
      Holding h,
      Optional<ActorRef<StatusReply<Released>>> replyTo,
      int attempt) {
    context.ask(
        SipUriSlot.UnbindResult.class,
        slots.apply(state.uri(h.position())),
        settings.slotTimeout(),
        r -> new SipUriSlot.Unbind(poolId, h.allocation(), r),
        (result, failure) ->
            new UnbindAnswered(
                msisdn, h.allocation(), replyTo, attempt, Optional.ofNullable(result)));
  }

  private ReplyEffect<Event, State> onUnbindAnswered(Pool state, UnbindAnswered msg) {
    Holding h = state.holders().get(msg.msisdn());
    boolean current = h != null && h.allocation() == msg.allocation();
    if (msg.result().orElse(null) instanceof SipUriSlot.Unbound) {
      if (!current) return replyReleased(state, msg);
      return Effect()
          .persist(new UriReleased(h.position(), msg.msisdn(), msg.allocation()))
          .thenRun(s -> msg.replyTo().ifPresent(r -> r.tell(StatusReply.success(released(s, h)))))
          .thenNoReply();
    }
    if (!current) return replyReleased(state, msg);
    if (msg.attempt() < settings.slotAttempts()) {
      unbind(state, msg.msisdn(), h, msg.replyTo(), msg.attempt() + 1);
      return Effect().noReply();
    }
    context
        .getLog()
        .warn(
            "pool {}: release of {} failed ({}), retrying in {}",
            poolId,
            msg.msisdn(),
            msg.result().map(Object::toString).orElse("no answer"),
            settings.releaseRetry());
    addDeadline(
        new Deadline(
            clock.instant().plus(settings.releaseRetry()), msg.msisdn(), msg.allocation()));
    msg.replyTo()
        .ifPresent(r -> r.tell(unavailable("the SIP-URI could not be de-registered from the IMS")));
    return Effect().noReply();
  }

  private Released released(State state, Holding h) {
    return new Released(((Pool) state).uri(h.position()));
  }

  private ReplyEffect<Event, State> replyReleased(Pool state, UnbindAnswered msg) {
    Integer position = state.recentReleases().get(msg.msisdn());
    msg.replyTo()
        .ifPresent(
            r ->
                r.tell(
                    position != null
                        ? StatusReply.success(new Released(state.uri(position)))
                        : refuse(ErrorCode.NOT_ALLOCATED, msg.msisdn() + " holds no SIP-URI")));
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- hold time after the call

  private ReplyEffect<Event, State> onCallEnded(Pool state, CallEnded cmd) {
    Holding h = state.holders().get(cmd.msisdn());
    CallEndedWaiter waiter = new CallEndedWaiter(cmd.replyTo());
    if (h == null) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.NOT_ALLOCATED, cmd.msisdn() + " holds no SIP-URI of pool " + poolId));
    }
    if (h.releaseAt().isPresent()) {
      hold(state, cmd.msisdn(), h, waiter, 1);
      return Effect().noReply();
    }
    Instant at = clock.instant().plusSeconds(state.maxHoldSeconds());
    return Effect()
        .persist(new ReleaseScheduled(cmd.msisdn(), h.allocation(), at))
        .thenRun(
            s -> {
              addDeadline(new Deadline(at, cmd.msisdn(), h.allocation()));
              Pool pool = (Pool) s;
              hold(pool, cmd.msisdn(), pool.holders().get(cmd.msisdn()), waiter, 1);
            })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onReleaseDue(Pool state, ReleaseDue tick) {
    Instant now = clock.instant();
    while (!deadlines.isEmpty() && !deadlines.peek().at().isAfter(now)) {
      Deadline d = deadlines.poll();
      Holding h = state.holders().get(d.msisdn());
      // Still planned for this time: a hold cancelled by the holder, or planned anew after its
      // next call, leaves its old deadline behind.
      if (h != null
          && h.allocation() == d.allocation()
          && h.releaseAt().equals(Optional.of(d.at()))) {
        unbind(state, d.msisdn(), h, Optional.empty(), 1);
      }
    }
    armDeadline();
    return Effect().noReply();
  }

  private void addDeadline(Deadline deadline) {
    deadlines.add(deadline);
    armDeadline();
  }

  private void armDeadline() {
    Deadline first = deadlines.peek();
    if (first == null) {
      timers.cancel(ReleaseDue.INSTANCE);
      return;
    }
    Duration delay = Duration.between(clock.instant(), first.at());
    timers.startSingleTimer(ReleaseDue.INSTANCE, delay.isNegative() ? Duration.ZERO : delay);
  }

  // ---------------------------------------------------------------- passivation

  /** Passivates after an idle timeout without commands, unless a deadline or provisioning waits. */
  private ReplyEffect<Event, State> onIdleCheck() {
    idle.onCheck(!deadlines.isEmpty() || job != null);
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unconfigured.class)
        .onEvent(PoolConfigured.class, (s, e) -> new Pool(e.strategy(), e.maxHoldSeconds()));
    builder
        .forStateType(Pool.class)
        .onEvent(
            PoolConfigured.class,
            (s, e) -> {
              s.configure(e.strategy(), e.maxHoldSeconds());
              return s;
            })
        .onEvent(
            UrisAdded.class,
            (s, e) -> {
              s.add(e.uris(), BitSet.valueOf(e.skipped()));
              return s;
            })
        .onEvent(
            UriAllocated.class,
            (s, e) -> {
              s.allocate(e);
              return s;
            })
        .onEvent(
            ReleaseScheduled.class,
            (s, e) -> planRelease(s, e.msisdn(), e.allocation(), Optional.of(e.releaseAt())))
        .onEvent(
            ReleaseCancelled.class,
            (s, e) -> planRelease(s, e.msisdn(), e.allocation(), Optional.empty()))
        .onEvent(
            UriReleased.class,
            (s, e) -> {
              s.release(e, settings.rememberedReleases());
              return s;
            });
    return builder.build();
  }

  /** The holder's release time as planned now, if {@code allocation} is still its holding. */
  private static Pool planRelease(
      Pool s, String msisdn, long allocation, Optional<Instant> releaseAt) {
    Holding h = s.holders().get(msisdn);
    if (h != null && h.allocation() == allocation) {
      s.holders()
          .put(msisdn, new Holding(h.position(), h.allocation(), h.allocatedAt(), releaseAt));
    }
    return s;
  }
}
