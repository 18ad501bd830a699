package io.scp.actors.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.account.PrepaidAccount.AccountView;
import io.scp.actors.account.PrepaidAccount.CallSettled;
import io.scp.actors.account.PrepaidAccount.CallSettlement;
import io.scp.actors.account.PrepaidAccount.Command;
import io.scp.actors.account.PrepaidAccount.Event;
import io.scp.actors.account.PrepaidAccount.ReservationState;
import io.scp.actors.account.PrepaidAccount.ReservationView;
import io.scp.actors.account.PrepaidAccount.SettleCall;
import io.scp.actors.account.PrepaidAccount.SliceCharge;
import io.scp.actors.account.PrepaidAccount.State;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.SnapshotCopies;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrepaidAccountTest {
  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());
  static final PrepaidAccount.Settings SETTINGS =
      new PrepaidAccount.Settings(
          Duration.ofMinutes(10),
          Duration.ofHours(1),
          3,
          10_000,
          Duration.ofMinutes(2),
          Duration.ofSeconds(20),
          Duration.ofMinutes(1));
  static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

  EventSourcedBehaviorTestKit<Command, Event, State> account;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void open() {
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), PrepaidAccount.create("a-1", SETTINGS, Clock.systemUTC()));
    ok(r -> new PrepaidAccount.Open(new PrepaidAccount.Terms(1000, TODAY, 100, "CNY"), r));
  }

  /** Runs a command that must succeed; raw refs let one helper serve every reply type. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  <T> T ok(Function<ActorRef, Command> command) {
    var result = account.<StatusReply<Object>>runCommand(r -> command.apply(r));
    assertThat(result.reply().isSuccess()).as("%s", result.reply()).isTrue();
    return (T) result.reply().getValue();
  }

  @SuppressWarnings("rawtypes")
  ErrorCode refused(Function<ActorRef, Command> command) {
    var result = account.<StatusReply<Object>>runCommand(r -> command.apply(r));
    assertThat(result.reply().isError()).as("%s", result.reply()).isTrue();
    assertThat(result.hasNoEvents()).isTrue();
    return ((Refusal) result.reply().getError()).code();
  }

  AccountView view() {
    return ok(PrepaidAccount.Get::new);
  }

  static void assertConserved(AccountView v) {
    assertThat(v.initialBalance() + v.toppedUp()).isEqualTo(v.balance() + v.deducted());
    assertThat(v.reserved()).isBetween(0L, v.balance());
    assertThat(v.available()).isEqualTo(v.balance() - v.reserved());
  }

  /**
   * A reservation's deduction ids are added to in place (not copied per deduction): the snapshots
   * taken on the way (every 100 events) must hold the deductions made until then and no later ones,
   * and every id must still be recognised after a restart from them.
   */
  @Test
  void manyDeductionsOnOneReservationSurviveSnapshotsAndRestarts() {
    ok(x -> new PrepaidAccount.Reserve("long", 900, Optional.empty(), x));
    for (int i = 1; i <= 250; i++) {
      String id = "d" + i;
      ok(x -> new PrepaidAccount.Deduct("long", id, 2, x));
    }
    account.restart();
    PrepaidAccount.ReservationView replayed =
        ok(x -> new PrepaidAccount.Deduct("long", "d1", 2, x));
    assertThat(replayed.deducted()).as("the first deduction, replayed").isEqualTo(500);
    assertThat(refused(x -> new PrepaidAccount.Deduct("long", "d250", 3, x)))
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    PrepaidAccount.ReservationView next = ok(x -> new PrepaidAccount.Deduct("long", "d251", 2, x));
    assertThat(next.deducted()).isEqualTo(502);
    assertThat(view().deducted()).isEqualTo(502);
    assertConserved(view());
  }

  /**
   * With a window of three, a reservation keeps its newest deductions (at most a tenth more) with
   * their amounts; older ones are recognised by their fingerprint, before and after a restart, and
   * a replay of one changes nothing. The same deduction id on another reservation is another
   * deduction.
   */
  @Test
  void deductionsOlderThanTheWindowAreRecognisedByTheirFingerprint() {
    ok(x -> new PrepaidAccount.Reserve("session", 900, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Reserve("other", 10, Optional.empty(), x));
    for (int i = 1; i <= 40; i++) {
      String id = "d" + i;
      ok(x -> new PrepaidAccount.Deduct("session", id, 2, x));
    }
    var kept =
        ((PrepaidAccount.Account) account.getState()).reservations().get("session").deductions();
    assertThat(kept.size()).as("the window, a tenth more at most").isBetween(3, 4);
    assertThat(kept).containsKey("d40").doesNotContainKey("d1");

    for (boolean restarted : new boolean[] {false, true}) {
      if (restarted) account.restart();
      var replay =
          account.<StatusReply<ReservationView>>runCommand(
              x -> new PrepaidAccount.Deduct("session", "d1", 7, x));
      assertThat(replay.reply().getValue().deducted())
          .as("a forgotten deduction replayed (its amount no longer compared)")
          .isEqualTo(80);
      assertThat(replay.hasNoEvents()).isTrue();
      assertThat(refused(x -> new PrepaidAccount.Deduct("session", "d40", 3, x)))
          .as("a kept deduction still compares its amount")
          .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    }
    ReservationView other = ok(x -> new PrepaidAccount.Deduct("other", "d1", 4, x));
    assertThat(other.deducted()).as("d1 of another reservation is new").isEqualTo(4);
    assertThat(view().deducted()).isEqualTo(84);
    assertConserved(view());
  }

  @Test
  void anAccountHoldsAtMostTheConfiguredOpenReservations() {
    var three =
        new PrepaidAccount.Settings(
            Duration.ofMinutes(10),
            Duration.ofHours(1),
            3,
            3,
            Duration.ofMinutes(2),
            Duration.ofSeconds(20),
            Duration.ofMinutes(1));
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), PrepaidAccount.create("a-three", three, Clock.systemUTC()));
    ok(r -> new PrepaidAccount.Open(new PrepaidAccount.Terms(1000, TODAY, 0, "CNY"), r));
    for (int i = 1; i <= 5; i++) {
      String id = "closed" + i;
      ok(x -> new PrepaidAccount.Reserve(id, 1, Optional.empty(), x));
      ok(x -> new PrepaidAccount.Refund(id, x));
    }
    for (int i = 1; i <= 3; i++) {
      String id = "open" + i;
      ok(x -> new PrepaidAccount.Reserve(id, 10, Optional.empty(), x));
    }
    assertThat(refused(x -> new PrepaidAccount.Reserve("open4", 10, Optional.empty(), x)))
        .isEqualTo(ErrorCode.TOO_MANY_RESERVATIONS);
    ReservationView replay = ok(x -> new PrepaidAccount.Reserve("open3", 10, Optional.empty(), x));
    assertThat(replay.state())
        .as("a replay is answered at the limit")
        .isEqualTo(ReservationState.OPEN);

    ok(x -> new PrepaidAccount.Refund("open1", x));
    ok(x -> new PrepaidAccount.Reserve("open4", 10, Optional.empty(), x));
    assertThat(view().reservations()).hasSize(3);
    assertThat(view().reserved()).isEqualTo(30);
    assertConserved(view());
  }

  /**
   * The money ever put on an account (initialBalance + toppedUp = balance + deducted) stays a long:
   * a top-up that would pass Long.MAX_VALUE is refused, so no total overflows however much money
   * went through the account.
   */
  @Test
  void lifetimeTotalsNeverOverflow() {
    long initial = PrepaidAccount.MAX_BALANCE;
    long toppedUp = Long.MAX_VALUE - initial - 10;
    long spent = Long.MAX_VALUE - 1_000;
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), PrepaidAccount.create("a-lifetime", SETTINGS, Clock.systemUTC()));
    account.initialize(
        new PrepaidAccount.AccountOpened(new PrepaidAccount.Terms(initial, TODAY, 0, "CNY")),
        new PrepaidAccount.ToppedUp("long-ago", toppedUp),
        new PrepaidAccount.FundsReserved("r", spent, Instant.now().plusSeconds(600)),
        new PrepaidAccount.FundsDeducted("r", "d", spent),
        new PrepaidAccount.ReservationRefunded("r", 0));
    assertConserved(view());
    assertThat(view().balance()).isEqualTo(990);

    assertThat(refused(x -> new PrepaidAccount.TopUp("one-too-many", 11, x)))
        .isEqualTo(ErrorCode.BALANCE_LIMIT);
    AccountView last = ok(x -> new PrepaidAccount.TopUp("last", 10, x));
    assertThat(last.initialBalance() + last.toppedUp()).isEqualTo(Long.MAX_VALUE);
    assertConserved(last);
    assertThat(refused(x -> new PrepaidAccount.TopUp("none-left", 1, x)))
        .isEqualTo(ErrorCode.BALANCE_LIMIT);
  }

  @Test
  void theLifetimeCapIsForClientReservationsNotForTheScpsOwn() {
    Optional<Duration> twoHours = Optional.of(Duration.ofHours(2)); // the cap is 1 h
    Instant before = Instant.now();
    PrepaidAccount.ReservationView client =
        ok(x -> new PrepaidAccount.Reserve("client-1", 10, twoHours, x));
    PrepaidAccount.ReservationView call =
        ok(x -> new PrepaidAccount.Reserve("call:c-1:1", 10, twoHours, x));
    assertThat(client.expiresAt()).isBefore(before.plus(Duration.ofMinutes(61)));
    assertThat(call.expiresAt())
        .as("a call's reservation lives as long as its call may")
        .isAfter(before.plus(Duration.ofMinutes(119)));
  }

  @Test
  void closedReservationsBeyondTheWindowAreForgottenOldestFirstOpenOnesNever() {
    ok(x -> new PrepaidAccount.Reserve("open", 100, Optional.empty(), x));
    for (int i = 1; i <= 5; i++) {
      String id = "r" + i;
      ok(x -> new PrepaidAccount.Reserve(id, 10, Optional.empty(), x));
      ok(x -> new PrepaidAccount.Refund(id, x));
    }
    // remembered-ids is 3: r1 and r2 are forgotten, r3..r5 still answer their replays
    assertThat(refused(x -> new PrepaidAccount.Refund("r1", x)))
        .as("forgotten but for its fingerprint")
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);
    assertThat(refused(x -> new PrepaidAccount.Refund("r2", x)))
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);
    for (String kept : List.of("r3", "r4", "r5")) {
      PrepaidAccount.RefundResult replay = ok(x -> new PrepaidAccount.Refund(kept, x));
      assertThat(replay.refunded()).isEqualTo(10);
    }
    PrepaidAccount.RefundResult open = ok(x -> new PrepaidAccount.Refund("open", x));
    assertThat(open.refunded()).as("the oldest, but open: never forgotten").isEqualTo(100);
    assertConserved(view());
  }

  /**
   * quality.md "no double apply": a top-up or reservation replayed after the account has let its
   * details go (more newer ones than remembered-ids) is still recognised — by its fingerprint — and
   * changes nothing, also after a restart (found by a race audit: a top-up replayed after 1000
   * newer ones was applied again).
   */
  @Test
  void aReplayOlderThanTheWindowChangesNothingAlsoAfterARestart() {
    ok(x -> new PrepaidAccount.TopUp("t0", 50, x));
    ok(x -> new PrepaidAccount.Reserve("q0", 10, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Deduct("q0", "qd0", 4, x));
    ok(x -> new PrepaidAccount.Refund("q0", x));
    for (int i = 1; i <= 5; i++) {
      String id = "n" + i;
      ok(x -> new PrepaidAccount.TopUp(id, 1, x));
      ok(x -> new PrepaidAccount.Reserve(id, 10, Optional.empty(), x));
      ok(x -> new PrepaidAccount.Refund(id, x));
    }
    AccountView before = view();
    assertThat(before.toppedUp()).isEqualTo(55);
    assertThat(before.deducted()).isEqualTo(4);

    for (int round = 0; round < 2; round++) {
      AccountView replayed = ok(x -> new PrepaidAccount.TopUp("t0", 50, x));
      assertThat(replayed).as("a replay answers the account as it is").isEqualTo(before);
      assertThat(refused(x -> new PrepaidAccount.Reserve("q0", 10, Optional.empty(), x)))
          .isEqualTo(ErrorCode.RESERVATION_CLOSED);
      assertThat(refused(x -> new PrepaidAccount.Deduct("q0", "qd0", 4, x)))
          .isEqualTo(ErrorCode.RESERVATION_CLOSED);
      assertThat(refused(x -> new PrepaidAccount.Refund("q0", x)))
          .isEqualTo(ErrorCode.RESERVATION_CLOSED);
      assertThat(view()).isEqualTo(before);
      account.restart();
    }
    // new ids are applied as always
    AccountView after = ok(x -> new PrepaidAccount.TopUp("t-new", 7, x));
    assertThat(after.toppedUp()).isEqualTo(62);
    ok(x -> new PrepaidAccount.Reserve("q-new", 10, Optional.empty(), x));
    assertConserved(view());
  }

  @Test
  void aWindowOfTwentyRemembersAtLeastTwentyClosedReservationsAndForgetsTheOldest() {
    var twenty =
        new PrepaidAccount.Settings(
            Duration.ofMinutes(10),
            Duration.ofHours(1),
            20,
            10_000,
            Duration.ofMinutes(2),
            Duration.ofSeconds(20),
            Duration.ofMinutes(1));
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), PrepaidAccount.create("a-window", twenty, Clock.systemUTC()));
    ok(r -> new PrepaidAccount.Open(new PrepaidAccount.Terms(1000, TODAY, 0, "CNY"), r));
    for (int i = 1; i <= 45; i++) {
      String id = "r" + i;
      ok(x -> new PrepaidAccount.Reserve(id, 1, Optional.empty(), x));
      ok(x -> new PrepaidAccount.Refund(id, x));
      // the window's newest closed reservations always answer their replays
      for (int kept = Math.max(1, i - 19); kept <= i; kept++) {
        String keptId = "r" + kept;
        assertThat(account.getState())
            .isInstanceOfSatisfying(
                PrepaidAccount.Account.class,
                a -> assertThat(a.reservations()).as("after %s", id).containsKey(keptId));
      }
    }
    PrepaidAccount.Account state = (PrepaidAccount.Account) account.getState();
    assertThat(state.reservations().size())
        .as("trimmed within a tenth of the window")
        .isBetween(20, 22);
    assertThat(state.reservations()).doesNotContainKey("r1");
    assertThat(refused(x -> new PrepaidAccount.Refund("r1", x)))
        .as("forgotten but for its fingerprint")
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);
  }

  @Test
  void theSnapshotCopyIsTheWholeStateAndSharesNothingTheEventHandlerGoesOnChanging() {
    ok(x -> new PrepaidAccount.TopUp("t1", 50, x));
    ok(x -> new PrepaidAccount.Reserve("closed", 10, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Deduct("closed", "d1", 4, x));
    ok(x -> new PrepaidAccount.Refund("closed", x));
    ok(x -> new PrepaidAccount.Reserve("open", 30, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Deduct("open", "d2", 5, x));
    State state = account.getState();
    Object roundTrip = new SnapshotCopies<State>(testKit.system()).toJournal(state);

    State copy = state.deepCopy();
    assertThat(copy).as("the same state as its serializer would give").isEqualTo(roundTrip);

    // what the event handler does next, while the snapshot store may still be serializing
    ok(x -> new PrepaidAccount.Deduct("open", "d3", 6, x));
    ok(x -> new PrepaidAccount.TopUp("t2", 50, x));
    ok(x -> new PrepaidAccount.Reserve("newer", 10, Optional.empty(), x));
    assertThat(copy).isEqualTo(roundTrip).isNotEqualTo(account.getState());
  }

  @Test
  void ownersAreToldAboutReservationsThatStayOpenAcrossTwoChecks() {
    var told = new ConcurrentLinkedQueue<String>();
    var fastChecks =
        new PrepaidAccount.Settings(
            Duration.ofMinutes(10),
            Duration.ofHours(1),
            3,
            10_000,
            Duration.ofMinutes(2),
            Duration.ofMillis(300),
            Duration.ofMinutes(1));
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            PrepaidAccount.create(
                "a-owners",
                fastChecks,
                Clock.systemUTC(),
                PrepaidAccount.ReservationOwners.of(id -> true, (a, r) -> told.add(a + "/" + r))));
    ok(r -> new PrepaidAccount.Open(new PrepaidAccount.Terms(1000, TODAY, 100, "CNY"), r));
    ok(x -> new PrepaidAccount.Reserve("kept", 100, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Reserve("settled", 100, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Refund("settled", x));

    await().atMost(Duration.ofSeconds(10)).until(() -> told.contains("a-owners/kept"));
    assertThat(told).as("closed reservations are nobody's business").containsOnly("a-owners/kept");

    // After a restart (recovery), open reservations are told again without any new command.
    told.clear();
    account.restart();
    await().atMost(Duration.ofSeconds(10)).until(() -> told.contains("a-owners/kept"));
  }

  @Test
  void aCallsReservationPastItsExpiryAtRecoveryIsHeldForItsCallToSettle() {
    var told = new ConcurrentLinkedQueue<String>();
    var clock = new ManualClock(Instant.now());
    var calls =
        PrepaidAccount.ReservationOwners.of(
            reservationId -> reservationId.startsWith("call:"),
            (accountId, reservationId) -> told.add(reservationId));
    account =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), PrepaidAccount.create("a-outage", SETTINGS, clock, calls));
    ok(
        r ->
            new PrepaidAccount.Open(
                new PrepaidAccount.Terms(1000, TODAY.plusDays(30), 100, "CNY"), r));
    Optional<Duration> fiveMinutes = Optional.of(Duration.ofMinutes(5));
    ok(x -> new PrepaidAccount.Reserve("call:settled:1", 100, fiveMinutes, x));
    ok(x -> new PrepaidAccount.Reserve("call:abandoned:1", 100, fiveMinutes, x));
    ok(x -> new PrepaidAccount.Reserve("plain", 100, fiveMinutes, x));

    // The node was down for two hours: every reservation is past its expiry when it recovers.
    clock.advance(Duration.ofHours(2));
    account.restart();
    await().atMost(Duration.ofSeconds(10)).until(() -> view().reserved() == 200);
    assertThat(told)
        .as("the calls are woken at once, the plain reservation has nobody to tell")
        .containsExactlyInAnyOrder("call:settled:1", "call:abandoned:1");

    // Within the hold the call settles what it used; the other is not released early.
    ok(x -> new PrepaidAccount.Deduct("call:settled:1", "call:settled:d", 60, x));
    ok(x -> new PrepaidAccount.Refund("call:settled:1", x));
    account.runCommand(new PrepaidAccount.ExpireReservation("call:abandoned:1"));
    assertThat(view().reserved()).isEqualTo(100);

    // After the hold nothing settled it: its money is released, as at any expiry.
    clock.advance(SETTINGS.ownedExpiryHold());
    account.runCommand(new PrepaidAccount.ExpireReservation("call:abandoned:1"));
    AccountView after = view();
    assertThat(after.reserved()).isZero();
    assertThat(after.deducted()).isEqualTo(60);
    assertThat(after.balance()).isEqualTo(940);
    assertConserved(after);
  }

  @Test
  void reserveDeductRefundMovesMoneyExactly() {
    ReservationView r = ok(x -> new PrepaidAccount.Reserve("r1", 400, Optional.empty(), x));
    assertThat(r.remaining()).isEqualTo(400);
    assertThat(view().available()).isEqualTo(600);
    ok(x -> new PrepaidAccount.Deduct("r1", "d1", 150, x));
    assertThat(view().reserved()).isEqualTo(250);
    assertThat(view().balance()).isEqualTo(850);
    PrepaidAccount.RefundResult refund = ok(x -> new PrepaidAccount.Refund("r1", x));
    assertThat(refund.refunded()).isEqualTo(250);
    AccountView after = view();
    assertThat(after.balance()).isEqualTo(850);
    assertThat(after.reserved()).isZero();
    assertThat(after.deducted()).isEqualTo(150);
    assertConserved(after);
  }

  @Test
  void everyCommandIsIdempotentOnItsId() {
    ok(x -> new PrepaidAccount.TopUp("t1", 500, x));
    ok(x -> new PrepaidAccount.TopUp("t1", 500, x));
    assertThat(view().toppedUp()).isEqualTo(500);
    assertThat(refused(x -> new PrepaidAccount.TopUp("t1", 501, x)))
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);

    ok(x -> new PrepaidAccount.Reserve("r1", 300, Optional.empty(), x));
    var replay =
        account.<StatusReply<ReservationView>>runCommand(
            x -> new PrepaidAccount.Reserve("r1", 300, Optional.empty(), x));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(view().reserved()).isEqualTo(300);
    assertThat(refused(x -> new PrepaidAccount.Reserve("r1", 301, Optional.empty(), x)))
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);

    ok(x -> new PrepaidAccount.Deduct("r1", "d1", 100, x));
    ok(x -> new PrepaidAccount.Deduct("r1", "d1", 100, x));
    assertThat(view().deducted()).isEqualTo(100);

    PrepaidAccount.RefundResult first = ok(x -> new PrepaidAccount.Refund("r1", x));
    PrepaidAccount.RefundResult again = ok(x -> new PrepaidAccount.Refund("r1", x));
    assertThat(again).isEqualTo(first);
    // a replayed deduction on the closed reservation still answers the same
    ReservationView deductReplay = ok(x -> new PrepaidAccount.Deduct("r1", "d1", 100, x));
    assertThat(deductReplay.state()).isEqualTo(ReservationState.REFUNDED);
    assertConserved(view());
  }

  static Cdr callCdr(long charge) {
    Instant now = Instant.now();
    return new Cdr(
        "call:c1",
        Cdr.Type.CALL,
        "8613800000001",
        Optional.of("a-1"),
        Optional.of("c1"),
        Optional.of("8613800000001"),
        Optional.of("802"),
        Optional.of("8613800000002"),
        Optional.of(true),
        Optional.of("CONNECT"),
        Optional.empty(),
        now.minusSeconds(60),
        Optional.of(now.minusSeconds(50)),
        now,
        50,
        54,
        charge,
        0);
  }

  static List<SliceCharge> slices(long first, long second) {
    return List.of(
        new SliceCharge("call:c1:1", "call:c1:1:charge", first),
        new SliceCharge("call:c1:2", "call:c1:2:charge", second));
  }

  @Test
  void settleCallChargesEverySliceAndWritesTheCdrInTheSameEvent() {
    ok(x -> new PrepaidAccount.Reserve("call:c1:1", 400, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Reserve("call:c1:2", 100, Optional.empty(), x));
    var settled =
        account.<StatusReply<CallSettlement>>runCommand(
            x -> new SettleCall(slices(400, 50), callCdr(450), x));
    assertThat(settled.reply().getValue().charged()).isEqualTo(450);
    assertThat(settled.events()).hasSize(1);
    Cdr written = ((CallSettled) settled.event()).chargingRecord();
    assertThat(written.charge()).isEqualTo(450);
    assertThat(written.shortfall()).isZero();
    assertThat(written.callId()).contains("c1");
    AccountView after = view();
    assertThat(after.balance()).isEqualTo(550);
    assertThat(after.deducted()).isEqualTo(450);
    assertThat(after.reserved()).isZero();
    assertThat(after.reservations()).isEmpty();
    assertConserved(after);

    // a retried end, even with other figures, finds the settlement done: same charge, no event
    var replay =
        account.<StatusReply<CallSettlement>>runCommand(
            x -> new SettleCall(slices(400, 100), callCdr(500), x));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(replay.reply().getValue().charged()).isEqualTo(450);
    assertThat(view().deducted()).isEqualTo(450);
  }

  @Test
  void settleCallChargesNothingOnClosedReservationsAndRecordsTheShortfall() {
    ok(x -> new PrepaidAccount.Reserve("call:c1:1", 400, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Refund("call:c1:1", x));
    var settled =
        account.<StatusReply<CallSettlement>>runCommand(
            x -> new SettleCall(slices(300, 0), callCdr(300), x));
    assertThat(settled.reply().getValue().charged()).isZero();
    Cdr written = ((CallSettled) settled.event()).chargingRecord();
    assertThat(written.charge()).isZero();
    assertThat(written.shortfall()).isEqualTo(300);
    assertThat(view().balance()).isEqualTo(1000);
    assertThat(view().deducted()).isZero();
    assertThat(refused(x -> new SettleCall(slices(-1, 0), callCdr(0), x)))
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void settleCallNeverChargesMoreThanIsLeftOnASlice() {
    ok(x -> new PrepaidAccount.Reserve("call:c1:1", 100, Optional.empty(), x));
    ok(x -> new PrepaidAccount.Deduct("call:c1:1", "early", 30, x));
    var settled =
        account.<StatusReply<CallSettlement>>runCommand(
            x -> new SettleCall(slices(100, 0), callCdr(100), x));
    assertThat(settled.reply().getValue().charged()).isEqualTo(70);
    assertThat(((CallSettled) settled.event()).chargingRecord().shortfall()).isEqualTo(30);
    AccountView after = view();
    assertThat(after.deducted()).isEqualTo(100);
    assertThat(after.reserved()).isZero();
    assertConserved(after);
  }

  @Test
  void refusalCodes() {
    assertThat(refused(x -> new PrepaidAccount.Reserve("big", 2000, Optional.empty(), x)))
        .isEqualTo(ErrorCode.INSUFFICIENT_FUNDS);
    ok(x -> new PrepaidAccount.Reserve("r1", 100, Optional.empty(), x));
    assertThat(refused(x -> new PrepaidAccount.Deduct("r1", "d1", 101, x)))
        .isEqualTo(ErrorCode.EXCEEDS_RESERVATION);
    assertThat(refused(x -> new PrepaidAccount.Deduct("nope", "d1", 1, x)))
        .isEqualTo(ErrorCode.RESERVATION_NOT_FOUND);
    ok(x -> new PrepaidAccount.Refund("r1", x));
    assertThat(refused(x -> new PrepaidAccount.Deduct("r1", "d2", 1, x)))
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);

    // 1000, threshold 100. Reserved money is still balance ("balance at or above its
    // minThreshold", mission.md): after reserving 950 the account stays usable for the 50 left
    ok(x -> new PrepaidAccount.Reserve("r2", 950, Optional.empty(), x));
    PrepaidAccount.AuthResult usable = ok(x -> new PrepaidAccount.Authenticate(0, x));
    assertThat(usable.ok()).isTrue();
    assertThat(refused(x -> new PrepaidAccount.Reserve("r3", 51, Optional.empty(), x)))
        .isEqualTo(ErrorCode.INSUFFICIENT_FUNDS);
    // deducting 950 leaves a balance of 50, below the threshold
    ok(x -> new PrepaidAccount.Deduct("r2", "d-r2", 950, x));
    assertThat(refused(x -> new PrepaidAccount.Reserve("r3", 10, Optional.empty(), x)))
        .isEqualTo(ErrorCode.BELOW_THRESHOLD);
    PrepaidAccount.AuthResult low = ok(x -> new PrepaidAccount.Authenticate(0, x));
    assertThat(low.reason()).contains(ErrorCode.BELOW_THRESHOLD);
    ok(x -> new PrepaidAccount.Refund("r2", x));

    ok(
        x ->
            new PrepaidAccount.Amend(
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(true), x));
    assertThat(refused(x -> new PrepaidAccount.Reserve("r4", 10, Optional.empty(), x)))
        .isEqualTo(ErrorCode.ACCOUNT_BLOCKED);
    ok(
        x ->
            new PrepaidAccount.Amend(
                Optional.empty(), Optional.empty(), Optional.of(true), Optional.of(false), x));
    assertThat(refused(x -> new PrepaidAccount.Reserve("r4", 10, Optional.empty(), x)))
        .isEqualTo(ErrorCode.ACCOUNT_LOST);
    ok(
        x ->
            new PrepaidAccount.Amend(
                Optional.of(TODAY.minusDays(1)),
                Optional.empty(),
                Optional.of(false),
                Optional.empty(),
                x));
    assertThat(refused(x -> new PrepaidAccount.Reserve("r4", 10, Optional.empty(), x)))
        .isEqualTo(ErrorCode.ACCOUNT_EXPIRED);
    PrepaidAccount.AuthResult auth = ok(x -> new PrepaidAccount.Authenticate(0, x));
    assertThat(auth.ok()).isFalse();
    assertThat(auth.reason()).contains(ErrorCode.ACCOUNT_EXPIRED);
  }

  @Test
  void unopenedAccountIsNotFound() {
    var fresh =
        EventSourcedBehaviorTestKit.<Command, Event, State>create(
            testKit.system(), PrepaidAccount.create("a-missing", SETTINGS, Clock.systemUTC()));
    var result = fresh.<StatusReply<AccountView>>runCommand(PrepaidAccount.Get::new);
    assertThat(((Refusal) result.reply().getError()).code()).isEqualTo(ErrorCode.ACCOUNT_NOT_FOUND);
  }

  @Test
  void stateAndTimersSurviveRestart() {
    ok(x -> new PrepaidAccount.Reserve("r1", 400, Optional.of(Duration.ofMillis(300)), x));
    ok(x -> new PrepaidAccount.Reserve("r2", 100, Optional.of(Duration.ofHours(1)), x));
    account.restart();
    assertThat(view().reserved()).isIn(500L, 100L);
    // the expiry timer of r1 is re-armed on recovery and releases it
    await().atMost(Duration.ofSeconds(5)).until(() -> view().reserved() == 100);
    AccountView after = view();
    assertThat(after.reservations())
        .extracting(ReservationView::reservationId)
        .containsExactly("r2");
    assertThat(after.balance()).isEqualTo(1000);
    assertConserved(after);
    // a refund after expiry answers what the expiry released
    PrepaidAccount.RefundResult late = ok(x -> new PrepaidAccount.Refund("r1", x));
    assertThat(late.refunded()).isEqualTo(400);
  }

  @Test
  void closedReservationsAreForgottenBeyondTheWindowButOpenOnesNever() {
    ok(x -> new PrepaidAccount.Reserve("open", 10, Optional.empty(), x));
    for (int i = 0; i < 5; i++) {
      String id = "c" + i;
      ok(x -> new PrepaidAccount.Reserve(id, 10, Optional.empty(), x));
      ok(x -> new PrepaidAccount.Refund(id, x));
    }
    // c0 is forgotten but for its fingerprint: still closed, not unknown
    assertThat(refused(x -> new PrepaidAccount.Deduct("c0", "d", 1, x)))
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);
    assertThat(refused(x -> new PrepaidAccount.Deduct("c4", "d", 1, x)))
        .isEqualTo(ErrorCode.RESERVATION_CLOSED);
    assertThat(refused(x -> new PrepaidAccount.Deduct("never", "d", 1, x)))
        .isEqualTo(ErrorCode.RESERVATION_NOT_FOUND);
    ok(x -> new PrepaidAccount.Deduct("open", "d", 1, x));
  }
}
