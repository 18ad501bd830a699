package io.scp.actors.sipuri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.Secret;
import io.scp.actors.sipuri.SipUriTesting.FakeIms;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool with real slots: provisioning, both strategies, binding, release, hold time. */
class SipUriPoolTest {
  static final ActorTestKit testKit = ActorTestKit.create(SipUriTesting.CONFIG);
  static final AtomicInteger names = new AtomicInteger();

  /** The slots of one test, spawned on first use (URIs are unique per test). */
  final Map<String, ActorRef<SipUriSlot.Command>> slots = new ConcurrentHashMap<>();

  final FakeIms ims = new FakeIms(0);
  String domain;

  @BeforeEach
  void newDomain() {
    domain = UUID.randomUUID() + ".ims.example.com";
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  RecipientRef<SipUriSlot.Command> slot(String uri) {
    return slots.computeIfAbsent(
        uri,
        u ->
            testKit
                .system()
                .systemActorOf(
                    SipUriSlot.create(u, SipUriTesting.settings(), Clock.systemUTC(), ims),
                    "slot-" + names.incrementAndGet(),
                    Props.empty()));
  }

  EventSourcedBehaviorTestKit<SipUriPool.Command, SipUriPool.Event, SipUriPool.State> pool(
      String poolId) {
    return pool(poolId, EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  EventSourcedBehaviorTestKit<SipUriPool.Command, SipUriPool.Event, SipUriPool.State> pool(
      String poolId, EventSourcedBehaviorTestKit.SerializationSettings serialization) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        SipUriPool.create(poolId, SipUriTesting.settings(), Clock.systemUTC(), this::slot),
        serialization);
  }

  String uri(int n) {
    return "sip:user" + n + "@" + domain;
  }

  UriSegment.Range range(int from, int count) {
    return new UriSegment.Range("sip:user{n}@" + domain, from, 0, count);
  }

  static <R> R ok(StatusReply<R> reply) {
    assertThat(reply.isSuccess()).as(String.valueOf(reply)).isTrue();
    return reply.getValue();
  }

  static ErrorCode refused(StatusReply<?> reply) {
    assertThat(reply.isError()).as(String.valueOf(reply)).isTrue();
    return ((Refusal) reply.getError()).code();
  }

  static <E, S> StatusReply<SipUriPool.Configured> configure(
      EventSourcedBehaviorTestKit<SipUriPool.Command, E, S> pool,
      SipUriPool.Strategy strategy,
      long maxHold) {
    return pool.<StatusReply<SipUriPool.Configured>>runCommand(
            r -> new SipUriPool.Configure(strategy, maxHold, r))
        .reply();
  }

  static <E, S> SipUriPool.Added add(
      EventSourcedBehaviorTestKit<SipUriPool.Command, E, S> pool,
      UriSegment uris,
      List<Optional<Secret>> passwords) {
    return ok(
        pool.<StatusReply<SipUriPool.Added>>runCommand(
                r -> new SipUriPool.AddUris(uris, passwords, r))
            .reply());
  }

  static <E, S> StatusReply<SipUriPool.Allocation> allocate(
      EventSourcedBehaviorTestKit<SipUriPool.Command, E, S> pool, String msisdn) {
    return pool.<StatusReply<SipUriPool.Allocation>>runCommand(
            r -> new SipUriPool.Allocate(msisdn, r))
        .reply();
  }

  static <E, S> StatusReply<SipUriPool.Released> release(
      EventSourcedBehaviorTestKit<SipUriPool.Command, E, S> pool, String msisdn) {
    return pool.<StatusReply<SipUriPool.Released>>runCommand(r -> new SipUriPool.Release(msisdn, r))
        .reply();
  }

  static <E, S> SipUriPool.PoolView view(
      EventSourcedBehaviorTestKit<SipUriPool.Command, E, S> pool) {
    return ok(pool.<StatusReply<SipUriPool.PoolView>>runCommand(SipUriPool.Get::new).reply());
  }

  SipUriSlot.SlotView slotView(String uri) {
    var probe = testKit.<StatusReply<SipUriSlot.SlotView>>createTestProbe();
    slots.get(uri).tell(new SipUriSlot.Get(probe.ref()));
    return probe.receiveMessage().getValue();
  }

  @Test
  void aPoolMustBeConfiguredFirst() {
    var pool = pool("p-" + UUID.randomUUID());
    assertThat(refused(allocate(pool, "8613800000001"))).isEqualTo(ErrorCode.UNKNOWN_POOL);
    var created = ok(configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60));
    assertThat(created.created()).isTrue();
    assertThat(ok(configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60)).created()).isFalse();
    var changed = ok(configure(pool, SipUriPool.Strategy.IDLE_QUEUE, 30)).pool();
    assertThat(changed.strategy()).isEqualTo(SipUriPool.Strategy.IDLE_QUEUE);
    assertThat(changed.maxHoldSeconds()).isEqualTo(30);
  }

  @Test
  void provisioningSkipsDuplicatesAndUrisOfOtherPools() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60);
    assertThat(add(pool, range(0, 5), List.of())).isEqualTo(new SipUriPool.Added(5, 0, 5));
    assertThat(add(pool, range(3, 4), List.of())).isEqualTo(new SipUriPool.Added(2, 2, 7));

    Secret given = new Secret("given-password-1");
    var list = new UriSegment.Listed(List.of(uri(100), uri(0), uri(100)));
    assertThat(add(pool, list, List.of(Optional.of(given), Optional.empty(), Optional.empty())))
        .isEqualTo(new SipUriPool.Added(1, 2, 8));

    var other = pool("p-" + UUID.randomUUID());
    configure(other, SipUriPool.Strategy.ROUND_ROBIN, 60);
    assertThat(add(other, range(4, 3), List.of())).isEqualTo(new SipUriPool.Added(0, 3, 0));
    assertThat(refused(allocate(other, "8613800000001"))).isEqualTo(ErrorCode.POOL_EXHAUSTED);

    var v = view(pool);
    assertThat(v.total()).isEqualTo(8);
    assertThat(v.idle()).isEqualTo(8);
    // The list's own password is the one handed out.
    for (int i = 0; i < 8; i++) {
      var a = ok(allocate(pool, "861380000000" + i));
      if (a.uri().equals(uri(100))) assertThat(a.password()).isEqualTo(given);
      else assertThat(a.password().value()).hasSize(Passwords.LENGTH);
    }
  }

  @Test
  void roundRobinContinuesAfterThePositionLastHandedOut() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60);
    add(pool, range(0, 5), List.of());
    assertThat(ok(allocate(pool, "8613800000001")).uri()).isEqualTo(uri(0));
    assertThat(ok(allocate(pool, "8613800000002")).uri()).isEqualTo(uri(1));
    assertThat(ok(allocate(pool, "8613800000003")).uri()).isEqualTo(uri(2));
    ok(release(pool, "8613800000002"));
    assertThat(ok(allocate(pool, "8613800000004")).uri()).isEqualTo(uri(3));
    assertThat(ok(allocate(pool, "8613800000005")).uri()).isEqualTo(uri(4));
    assertThat(ok(allocate(pool, "8613800000006")).uri()).isEqualTo(uri(1));
    assertThat(refused(allocate(pool, "8613800000007"))).isEqualTo(ErrorCode.POOL_EXHAUSTED);
    ok(release(pool, "8613800000001"));
    ok(release(pool, "8613800000005"));
    assertThat(ok(allocate(pool, "8613800000007")).uri()).isEqualTo(uri(4));
    assertThat(ok(allocate(pool, "8613800000008")).uri()).isEqualTo(uri(0));
  }

  @Test
  void idleQueueHandsOutTheUriIdleLongest() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.IDLE_QUEUE, 60);
    add(pool, range(0, 4), List.of());
    assertThat(ok(allocate(pool, "8613800000001")).uri()).isEqualTo(uri(0));
    assertThat(ok(allocate(pool, "8613800000002")).uri()).isEqualTo(uri(1));
    ok(release(pool, "8613800000002"));
    ok(release(pool, "8613800000001"));
    assertThat(ok(allocate(pool, "8613800000003")).uri()).isEqualTo(uri(2));
    assertThat(ok(allocate(pool, "8613800000004")).uri()).isEqualTo(uri(3));
    assertThat(ok(allocate(pool, "8613800000005")).uri()).isEqualTo(uri(1));
    assertThat(ok(allocate(pool, "8613800000006")).uri()).isEqualTo(uri(0));
    assertThat(refused(allocate(pool, "8613800000007"))).isEqualTo(ErrorCode.POOL_EXHAUSTED);

    // Switching strategy keeps what is held and queues the idle ones in position order.
    ok(release(pool, "8613800000004"));
    ok(configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60));
    ok(configure(pool, SipUriPool.Strategy.IDLE_QUEUE, 60));
    assertThat(ok(allocate(pool, "8613800000007")).uri()).isEqualTo(uri(3));
  }

  @Test
  void aUserGetsTheUriItAlreadyHolds() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60);
    add(pool, range(0, 3), List.of());
    var first = ok(allocate(pool, "8613800000001"));
    var bound = slotView(first.uri());
    assertThat(bound.msisdn()).contains("8613800000001");
    assertThat(bound.allocatedAt()).contains(first.allocatedAt());
    var again =
        pool.<StatusReply<SipUriPool.Allocation>>runCommand(
            r -> new SipUriPool.Allocate("8613800000001", r));
    assertThat(again.events()).isEmpty();
    assertThat(ok(again.reply())).isEqualTo(first);
    assertThat(ok(again.reply()).password()).isEqualTo(first.password());
    assertThat(view(pool).occupied()).isEqualTo(1);
  }

  @Test
  void releaseDeregistersAndAReplayAnswersTheSame() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60);
    add(pool, range(0, 2), List.of());
    assertThat(refused(release(pool, "8613800000001"))).isEqualTo(ErrorCode.NOT_ALLOCATED);
    var a = ok(allocate(pool, "8613800000001"));
    var released = ok(release(pool, "8613800000001"));
    assertThat(released.uri()).isEqualTo(a.uri());
    assertThat(ims.calls.get()).isEqualTo(1);
    var replay =
        pool.<StatusReply<SipUriPool.Released>>runCommand(
            r -> new SipUriPool.Release("8613800000001", r));
    assertThat(replay.events()).isEmpty();
    assertThat(ok(replay.reply())).isEqualTo(released);
    assertThat(ims.calls.get()).isEqualTo(1);
    assertThat(view(pool).occupied()).isZero();
    var slot = slotView(a.uri());
    assertThat(slot.state()).isEqualTo(SipUriSlot.SlotState.IDLE);
    assertThat(slot.deregisteredAt()).isPresent();
  }

  @Test
  void aReleaseCutShortByACrashIsFinishedByTheNextRequest() {
    String poolId = "p-" + UUID.randomUUID();
    // The pool answers the second request at once and finishes the release after it: the test
    // kit's check of the state, made from this thread after each reply, would read the holders the
    // pool is changing meanwhile (CI saw it). Commands and events are still checked; the state's
    // serialization is checked by every other test here.
    var pool =
        pool(
            poolId,
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyState(false));
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 60);
    add(pool, range(0, 2), List.of());
    var a = ok(allocate(pool, "8613800000001"));
    // The slot released allocation 1, then the pool crashed before recording it.
    var probe = testKit.<SipUriSlot.UnbindResult>createTestProbe();
    slots.get(a.uri()).tell(new SipUriSlot.Unbind(poolId, 1, probe.ref()));
    probe.expectMessageClass(SipUriSlot.Unbound.class);

    assertThat(refused(allocate(pool, "8613800000001"))).isEqualTo(ErrorCode.UNAVAILABLE);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(view(pool).occupied()).isZero());
    var next = ok(allocate(pool, "8613800000001"));
    assertThat(next.uri()).isEqualTo(uri(1));
    assertThat(slotView(next.uri()).msisdn()).contains("8613800000001");
  }

  @Test
  void callEndedReleasesAfterTheHoldTimeAlsoAfterARestart() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 2);
    add(pool, range(0, 2), List.of());
    var a = ok(allocate(pool, "8613800000001"));
    assertThat(
            refused(
                pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                        r -> new SipUriPool.CallEnded("8613800000002", r))
                    .reply()))
        .isEqualTo(ErrorCode.NOT_ALLOCATED);
    var planned =
        ok(
            pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                    r -> new SipUriPool.CallEnded("8613800000001", r))
                .reply());
    assertThat(planned.uri()).isEqualTo(a.uri());
    assertThat(Duration.between(a.allocatedAt(), planned.releaseAt()))
        .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
    var replayed =
        ok(
            pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                    r -> new SipUriPool.CallEnded("8613800000001", r))
                .reply());
    assertThat(replayed).isEqualTo(planned);

    pool.restart();
    assertThat(view(pool).occupied()).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(view(pool).occupied()).isZero());
    assertThat(ims.calls.get()).isEqualTo(1);
    assertThat(ok(release(pool, "8613800000001")).uri()).isEqualTo(a.uri());
  }

  /**
   * A holder asking for its URI again during the hold after a call is using it again (a new call):
   * the planned release is cancelled and the next call end plans a new one. Another user's hold,
   * planned later and released first, shows the old deadline has passed without releasing.
   */
  @Test
  void askingAgainDuringTheHoldCancelsThePlannedRelease() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.ROUND_ROBIN, 2);
    add(pool, range(0, 2), List.of());
    String again = "8613800000001";
    String witness = "8613800000002";
    var a = ok(allocate(pool, again));
    ok(
        pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                r -> new SipUriPool.CallEnded(again, r))
            .reply());
    assertThat(slotView(a.uri()).releaseAt()).isPresent();

    var asked =
        pool.<StatusReply<SipUriPool.Allocation>>runCommand(r -> new SipUriPool.Allocate(again, r));
    assertThat(ok(asked.reply())).isEqualTo(a);
    assertThat(asked.events()).containsExactly(new SipUriPool.ReleaseCancelled(again, 1));
    assertThat(slotView(a.uri()).releaseAt()).as("the look-up shows no release").isEmpty();
    assertThat(
            pool.<StatusReply<SipUriPool.Allocation>>runCommand(
                    r -> new SipUriPool.Allocate(again, r))
                .events())
        .as("asked once more: nothing left to cancel")
        .isEmpty();

    var w = ok(allocate(pool, witness));
    ok(
        pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                r -> new SipUriPool.CallEnded(witness, r))
            .reply());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(slotView(w.uri()).msisdn()).isEmpty());
    assertThat(view(pool).occupied()).as("the cancelled hold released nothing").isEqualTo(1);
    assertThat(slotView(a.uri()).msisdn()).contains(again);
    pool.restart();
    assertThat(view(pool).occupied()).isEqualTo(1);

    var planned =
        ok(
            pool.<StatusReply<SipUriPool.ReleasePlanned>>runCommand(
                    r -> new SipUriPool.CallEnded(again, r))
                .reply());
    assertThat(planned.releaseAt()).isAfter(a.allocatedAt().plusSeconds(2));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(view(pool).occupied()).isZero());
  }

  @Test
  void stateSurvivesRestart() {
    var pool = pool("p-" + UUID.randomUUID());
    configure(pool, SipUriPool.Strategy.IDLE_QUEUE, 60);
    var uris = new ArrayList<String>();
    for (int i = 0; i < 1000; i++) uris.add(uri(i));
    add(pool, new UriSegment.Listed(uris), List.of());
    var state = (SipUriPool.Pool) pool.getState();
    assertThat(state.total()).isEqualTo(1000);
    assertThat(state.uri(999)).isEqualTo(uri(999));
    pool.restart();
    assertThat(((SipUriPool.Pool) pool.getState()).uri(500)).isEqualTo(uri(500));
  }
}
