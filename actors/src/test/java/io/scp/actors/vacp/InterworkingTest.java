package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.Interworking.Cancel;
import io.scp.actors.vacp.Interworking.CancelReason;
import io.scp.actors.vacp.Interworking.Command;
import io.scp.actors.vacp.Interworking.Event;
import io.scp.actors.vacp.Interworking.InterworkingCancelled;
import io.scp.actors.vacp.Interworking.InterworkingView;
import io.scp.actors.vacp.Interworking.Mode;
import io.scp.actors.vacp.Interworking.ReceiveConditions;
import io.scp.actors.vacp.Interworking.RecordUse;
import io.scp.actors.vacp.Interworking.Setting;
import io.scp.actors.vacp.Interworking.Settled;
import io.scp.actors.vacp.Interworking.Setup;
import io.scp.actors.vacp.Interworking.SetupResult;
import io.scp.actors.vacp.Interworking.State;
import io.scp.actors.vacp.Interworking.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The interworking entity with real user, subscriber, authorisation, platform and account. */
class InterworkingTest {
  static final String MSISDN = "8613900000001";
  static final String ACCOUNT = "acc-1";
  static final Clock CLOCK = Clock.fixed(Instant.parse("2030-06-01T12:00:00Z"), ZoneOffset.UTC);
  static final ReceiveConditions NONE =
      new ReceiveConditions(Optional.empty(), false, Optional.empty());
  static final VacpAuthorization.Terms VALID =
      new VacpAuthorization.Terms(
          Optional.of("2030-01-01"), Optional.of("2030-12-31"), 5, 10, 10, 70);

  ActorTestKit testKit;
  LocalEntities entities;
  RecordingGateway gateway;
  VacpPorts ports;
  org.apache.pekko.actor.typed.ActorRef<Subscriber.Command> subscriber;
  org.apache.pekko.actor.typed.ActorRef<VacpAuthorization.Command> authorisation;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    entities = new LocalEntities(testKit.system());
    gateway = new RecordingGateway();
    ports = VacpTesting.ports(testKit, entities, gateway);
    entities.put(VacpUser.KEY, MSISDN, testKit.spawn(VacpUser.create(MSISDN, ports, SETTINGS)));
    for (String platform : new String[] {"pf-a", "pf-b"}) {
      VacpTesting.activePlatform(testKit, entities, platform, 1, Optional.empty());
    }
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  static Setting setting(Mode mode) {
    return new Setting(MSISDN, "pf-a", "cap-b", "pf-b", "svc-b", mode, NONE);
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit() {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), Interworking.create(setting(Mode.PULL).id(), ports, SETTINGS, CLOCK));
  }

  /** Provisions the one subscriber (spawned on first use) and adds services to it. */
  void subscriber(Subscriber.Status status, Optional<String> account, String... services) {
    var ref = subscriberRef();
    success(
        VacpTesting.<Subscriber.Command, Subscriber.Provisioned>ask(
            testKit,
            ref,
            r ->
                new Subscriber.Provision(
                    new Subscriber.Profile(Optional.empty(), Optional.empty(), status, account),
                    r)));
    for (String service : services) {
      success(
          VacpTesting.<Subscriber.Command, Subscriber.SubscriberView>ask(
              testKit, ref, r -> new Subscriber.SubscribeService(service, r)));
    }
  }

  org.apache.pekko.actor.typed.ActorRef<VacpAuthorization.Command> authorisationRef() {
    String id = VacpAuthorization.entityId("pf-a", "cap-b");
    if (authorisation == null) {
      authorisation =
          entities.put(VacpAuthorization.KEY, id, testKit.spawn(VacpAuthorization.create(id)));
    }
    return authorisation;
  }

  org.apache.pekko.actor.typed.ActorRef<Subscriber.Command> subscriberRef() {
    if (subscriber == null) {
      subscriber = entities.put(Subscriber.KEY, MSISDN, testKit.spawn(Subscriber.create(MSISDN)));
    }
    return subscriber;
  }

  void authorise(VacpAuthorization.Terms terms) {
    var ref = authorisationRef();
    success(
        VacpTesting.<VacpAuthorization.Command, VacpAuthorization.Granted>ask(
            testKit, ref, r -> new VacpAuthorization.Grant("pf-a", "cap-b", "pf-b", terms, r)));
  }

  void account(long balance) {
    var settings =
        new PrepaidAccount.Settings(
            Duration.ofMinutes(10),
            Duration.ofHours(24),
            100,
            10_000,
            Duration.ofMinutes(10),
            Duration.ofSeconds(20),
            Duration.ofMinutes(1));
    var ref =
        entities.put(
            PrepaidAccount.KEY,
            ACCOUNT,
            testKit.spawn(PrepaidAccount.create(ACCOUNT, settings, CLOCK)));
    success(
        VacpTesting.<PrepaidAccount.Command, PrepaidAccount.Opened>ask(
            testKit,
            ref,
            r ->
                new PrepaidAccount.Open(
                    new PrepaidAccount.Terms(balance, LocalDate.of(2099, 1, 1), 0, "CNY"), r)));
  }

  PrepaidAccount.AccountView accountView() {
    return success(
        VacpTesting.<PrepaidAccount.Command, PrepaidAccount.AccountView>ask(
            testKit, entities.refFor(PrepaidAccount.KEY, ACCOUNT), PrepaidAccount.Get::new));
  }

  static StatusReply<SetupResult> setUp(
      EventSourcedBehaviorTestKit<Command, Event, State> kit, Mode mode) {
    return kit.<StatusReply<SetupResult>>runCommand(r -> new Setup(setting(mode), r)).reply();
  }

  static InterworkingCancelled cancelledEvent(java.util.List<Event> events) {
    return events.stream()
        .filter(InterworkingCancelled.class::isInstance)
        .map(InterworkingCancelled.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theUserAndTheAuthorisationAreChecked() {
    var kit = kit();
    subscriberRef();
    assertThat(refusal(setUp(kit, Mode.PULL))).isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);

    subscriber(Subscriber.Status.ACTIVE, Optional.empty(), "pf-a");
    assertThat(refusal(setUp(kit, Mode.PULL))).isEqualTo(ErrorCode.NOT_SUBSCRIBED);
    subscriber(Subscriber.Status.SUSPENDED, Optional.empty(), "pf-b");
    assertThat(refusal(setUp(kit, Mode.PULL))).isEqualTo(ErrorCode.SUBSCRIBER_SUSPENDED);
    subscriber(Subscriber.Status.ACTIVE, Optional.empty());
    authorisationRef();
    assertThat(refusal(setUp(kit, Mode.PULL))).isEqualTo(ErrorCode.NOT_AUTHORIZED);
    authorise(new VacpAuthorization.Terms(Optional.empty(), Optional.of("2030-05-31"), 0, 1, 1, 0));
    assertThat(refusal(setUp(kit, Mode.PULL)))
        .as("expired the day before")
        .isEqualTo(ErrorCode.NOT_AUTHORIZED);
    authorise(
        new VacpAuthorization.Terms(
            Optional.of("2030-06-01T12:00:01Z"), Optional.empty(), 0, 1, 1, 0));
    assertThat(refusal(setUp(kit, Mode.PULL)))
        .as("valid a second later")
        .isEqualTo(ErrorCode.NOT_AUTHORIZED);
    assertThat(kit.getState().active()).isEmpty();
    assertThat(gateway.calls()).isEmpty();

    authorise(VALID);
    var created = kit.<StatusReply<SetupResult>>runCommand(r -> new Setup(setting(Mode.PULL), r));
    assertThat(success(created.reply()).created()).isTrue();
    assertThat(created.eventOfType(Interworking.SettingActivated.class).setting())
        .isEqualTo(setting(Mode.PULL));
  }

  @Test
  void aPullSettingAccruesUsesOnceEach() {
    subscriber(Subscriber.Status.ACTIVE, Optional.empty(), "pf-a", "pf-b");
    authorise(VALID);
    var kit = kit();
    assertThat(success(setUp(kit, Mode.PULL)).interworking().status()).isEqualTo(Status.ACTIVE);
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().notices().isEmpty());
    assertThat(gateway.calls())
        .extracting(RecordingGateway.Call::platformId)
        .containsExactly("pf-a");

    var replay = kit.<StatusReply<SetupResult>>runCommand(r -> new Setup(setting(Mode.PULL), r));
    assertThat(success(replay.reply()).created()).isFalse();
    assertThat(replay.hasNoEvents()).isTrue();

    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 70, r));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u2", 30, r));
    var again = kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 70, r));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(
            refusal(
                kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 5, r))
                    .reply()))
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    kit.restart();
    InterworkingView view =
        success(kit.<StatusReply<InterworkingView>>runCommand(Interworking.Get::new).reply());
    assertThat(view.accrued()).isEqualTo(100);
    assertThat(view.uses()).isEqualTo(2);
  }

  @Test
  void aPushSettingNeedsTheProvidersAcknowledgement() {
    subscriber(Subscriber.Status.ACTIVE, Optional.empty(), "pf-a", "pf-b");
    authorise(VALID);
    var kit = kit();
    gateway.answer("interworking-setup", PlatformGateway.Outcome.REJECTED);
    assertThat(refusal(setUp(kit, Mode.PUSH))).isEqualTo(ErrorCode.PROVIDER_REJECTED);
    gateway.answer("interworking-setup", PlatformGateway.Outcome.TIMEOUT);
    assertThat(refusal(setUp(kit, Mode.PUSH))).isEqualTo(ErrorCode.PROVIDER_TIMEOUT);
    gateway.answer("interworking-setup", PlatformGateway.Outcome.FAILED);
    assertThat(refusal(setUp(kit, Mode.PUSH))).isEqualTo(ErrorCode.PROVIDER_FAILED);
    assertThat(kit.getState().active()).isEmpty();
    assertThat(kit.getState().pending()).isEmpty();
    assertThat(gateway.calls()).extracting(RecordingGateway.Call::platformId).containsOnly("pf-b");

    gateway.answer("interworking-setup", PlatformGateway.Outcome.ACCEPTED);
    assertThat(success(setUp(kit, Mode.PUSH)).interworking().status()).isEqualTo(Status.ACTIVE);
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().notices().isEmpty());
    assertThat(gateway.calls())
        .extracting(RecordingGateway.Call::platformId)
        .endsWith("pf-b", "pf-a");
    var toB = gateway.calls("interworking-setup").get(0);
    assertThat(toB.fields())
        .as("typed values")
        .containsEntry("mode", "PUSH")
        .containsEntry("onlyWhenImsRegistered", false)
        .doesNotContainKey("maxPerHour");
  }

  @Test
  void cancellingChargesAPrepaidAccountExactlyOnce() {
    account(1_000);
    subscriber(Subscriber.Status.ACTIVE, Optional.of(ACCOUNT), "pf-a", "pf-b");
    authorise(VALID);
    var kit = kit();
    success(setUp(kit, Mode.PULL));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 70, r));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u2", 70, r));

    var cancelled =
        kit.<StatusReply<Settled>>runCommand(r -> new Cancel(CancelReason.CANCELLED, r));
    assertThat(success(cancelled.reply()).settled()).isEqualTo(140);
    Cdr cdr = cancelledEvent(cancelled.events()).cdr();
    assertThat(cdr.type()).isEqualTo(Cdr.Type.VACP);
    assertThat(cdr.chargedParty()).isEqualTo(MSISDN);
    assertThat(cdr.accountId()).contains(ACCOUNT);
    assertThat(cdr.charge()).isEqualTo(140);
    assertThat(cdr.shortfall()).isZero();
    assertThat(accountView().balance()).isEqualTo(860);
    assertThat(accountView().deducted()).isEqualTo(140);
    assertThat(accountView().reserved()).isZero();

    // The platforms' notices are confirmed by events of their own: wait for them first, so that
    // what the replay persists is only what the replay itself did.
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().notices().isEmpty());
    var replay = kit.<StatusReply<Settled>>runCommand(r -> new Cancel(CancelReason.CANCELLED, r));
    assertThat(success(replay.reply()).settled()).isEqualTo(140);
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(gateway.calls("interworking-cancelled"))
        .extracting(RecordingGateway.Call::platformId)
        .containsExactlyInAnyOrder("pf-a", "pf-b");
    assertThat(gateway.calls("interworking-cancelled"))
        .allSatisfy(
            call ->
                assertThat(call.fields())
                    .containsEntry("settled", 140L)
                    .containsEntry("reason", "CANCELLED"));
    assertThat(
            refusal(kit.<StatusReply<InterworkingView>>runCommand(Interworking.Get::new).reply()))
        .isEqualTo(ErrorCode.NO_INTERWORKING);
  }

  @Test
  void aPostpaidUserIsBilledThroughTheCdr() {
    subscriber(Subscriber.Status.ACTIVE, Optional.empty(), "pf-a", "pf-b");
    authorise(VALID);
    var kit = kit();
    success(setUp(kit, Mode.PULL));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 45, r));
    var cancelled =
        kit.<StatusReply<Settled>>runCommand(r -> new Cancel(CancelReason.SERVICE_UNSUBSCRIBED, r));
    assertThat(success(cancelled.reply()).settled()).isEqualTo(45);
    Cdr cdr = cancelledEvent(cancelled.events()).cdr();
    assertThat(cdr.accountId()).isEmpty();
    assertThat(cdr.charge()).isEqualTo(45);
    assertThat(cdr.cause()).contains("SERVICE_UNSUBSCRIBED");
    assertThat(cdr.cdrId()).isEqualTo("vacp:" + setting(Mode.PULL).id() + ":1");
  }

  /**
   * A cancellation waits for the uses in flight: a use recorded meanwhile is settled with the
   * others; one neither recorded nor ended holds it back no longer than the hold it asked for.
   */
  @Test
  void aCancellationWaitsForTheUsesInFlightAtMostTheirHold() {
    subscriber(Subscriber.Status.ACTIVE, Optional.empty(), "pf-a", "pf-b");
    authorise(VALID);
    var clock = new io.scp.actors.testing.ManualClock(CLOCK.instant());
    var kit =
        EventSourcedBehaviorTestKit.<Command, Event, State>create(
            testKit.system(), Interworking.create(setting(Mode.PULL).id(), ports, SETTINGS, clock));
    success(setUp(kit, Mode.PULL));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 10, r));
    success(
        kit.<StatusReply<InterworkingView>>runCommand(
                r -> new Interworking.BeginUse("u2", Duration.ofHours(1), r))
            .reply());

    TestProbe<StatusReply<Settled>> consumer = testKit.createTestProbe();
    kit.runCommand(new Cancel(CancelReason.CANCELLED, consumer.ref()));
    consumer.expectNoMessage(Duration.ofMillis(300));
    assertThat(
            refusal(
                kit.<StatusReply<InterworkingView>>runCommand(
                        r -> new Interworking.BeginUse("u3", Duration.ofHours(1), r))
                    .reply()))
        .as("no use begins once a cancellation waits")
        .isEqualTo(ErrorCode.NO_INTERWORKING);
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u2", 20, r));
    assertThat(success(consumer.receiveMessage(Duration.ofSeconds(5))).settled()).isEqualTo(30);

    // set up again: a use that never ends holds the next cancellation back for its hold only
    success(setUp(kit, Mode.PULL));
    success(
        kit.<StatusReply<InterworkingView>>runCommand(
                r -> new Interworking.BeginUse("u4", Duration.ofSeconds(1), r))
            .reply());
    kit.runCommand(new Cancel(CancelReason.CANCELLED, consumer.ref()));
    consumer.expectNoMessage(Duration.ofMillis(300));
    clock.advance(Duration.ofSeconds(2));
    assertThat(success(consumer.receiveMessage(Duration.ofSeconds(5))).settled()).isZero();
  }

  @Test
  void aSettlementGoesOnUntilTheAccountAnswersAlsoAfterARestart() {
    subscriber(Subscriber.Status.ACTIVE, Optional.of(ACCOUNT), "pf-a", "pf-b");
    authorise(VALID);
    var kit = kit();
    success(setUp(kit, Mode.PULL));
    kit.<StatusReply<InterworkingView>>runCommand(r -> new RecordUse("u1", 70, r));

    TestProbe<StatusReply<Settled>> consumer = testKit.createTestProbe();
    kit.runCommand(new Cancel(CancelReason.CANCELLED, consumer.ref()));
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().settlement().isPresent());
    consumer.expectNoMessage(Duration.ofMillis(800));

    kit.restart();
    account(1_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().lastSettled().isPresent());
    assertThat(kit.getState().lastSettled()).contains(70L);
    assertThat(kit.getState().active()).isEmpty();
    assertThat(accountView().deducted()).isEqualTo(70);
    assertThat(accountView().balance()).isEqualTo(930);
  }
}
