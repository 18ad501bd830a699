package io.scp.actors.ims;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.ims.ImsSubscriber.AddService;
import io.scp.actors.ims.ImsSubscriber.Command;
import io.scp.actors.ims.ImsSubscriber.Deregister;
import io.scp.actors.ims.ImsSubscriber.Deregistered;
import io.scp.actors.ims.ImsSubscriber.Event;
import io.scp.actors.ims.ImsSubscriber.ExpireRegistration;
import io.scp.actors.ims.ImsSubscriber.Get;
import io.scp.actors.ims.ImsSubscriber.GetRegistration;
import io.scp.actors.ims.ImsSubscriber.Known;
import io.scp.actors.ims.ImsSubscriber.Provision;
import io.scp.actors.ims.ImsSubscriber.Provisioned;
import io.scp.actors.ims.ImsSubscriber.Register;
import io.scp.actors.ims.ImsSubscriber.Registered;
import io.scp.actors.ims.ImsSubscriber.RegistrationExpired;
import io.scp.actors.ims.ImsSubscriber.RegistrationResult;
import io.scp.actors.ims.ImsSubscriber.RegistrationState;
import io.scp.actors.ims.ImsSubscriber.RemoveService;
import io.scp.actors.ims.ImsSubscriber.ServiceAdded;
import io.scp.actors.ims.ImsSubscriber.ServiceSubscribed;
import io.scp.actors.ims.ImsSubscriber.ServiceUnsubscribed;
import io.scp.actors.ims.ImsSubscriber.ServiceView;
import io.scp.actors.ims.ImsSubscriber.Settings;
import io.scp.actors.ims.ImsSubscriber.State;
import io.scp.actors.ims.ImsSubscriber.SubscriberProvisioned;
import io.scp.actors.ims.ImsSubscriber.SubscriberView;
import io.scp.actors.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImsSubscriberTest {
  static final String IMSI = "460011100612345";
  static final Impi VOLTE = Impi.derive(IMSI, "460", "01", Optional.of("001"));
  static final Impi RCS = Impi.derive(IMSI, "460", "01", Optional.of("002"));
  static final Impi STANDARD = Impi.derive(IMSI, "460", "01", Optional.empty());
  static final Settings SETTINGS =
      new Settings(
          Duration.ofSeconds(60), Duration.ofDays(7), Duration.ofHours(1), Duration.ofMinutes(2));

  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit =
        ActorTestKit.create(
            EventSourcedBehaviorTestKit.config()
                .withFallback(
                    ConfigFactory.parseString(
                        "pekko.actor.provider = local\n"
                            + "pekko.coordinated-shutdown.exit-jvm = off\n"
                            + "pekko.persistence.journal.auto-start-journals = []"))
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  final ManualClock clock = new ManualClock();

  EventSourcedBehaviorTestKit<Command, Event, State> entity(Settings settings, Clock clock) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), ImsSubscriber.create(IMSI, settings, clock));
  }

  /** A subscriber of MCC 460 / MNC 01 signed up for VoLTE (001) and RCS (002). */
  EventSourcedBehaviorTestKit<Command, Event, State> volteAndRcs(Settings settings, Clock clock) {
    var kit = entity(settings, clock);
    kit.<StatusReply<Provisioned>>runCommand(r -> new Provision("8613800000001", "460", "01", r));
    kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("001", "VoLTE", r));
    kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("002", "RCS", r));
    return kit;
  }

  EventSourcedBehaviorTestKit<Command, Event, State> volteAndRcs() {
    return volteAndRcs(SETTINGS, clock);
  }

  static CommandResultWithReply<Command, Event, State, StatusReply<RegistrationResult>> register(
      EventSourcedBehaviorTestKit<Command, Event, State> kit, Impi impi, long seconds) {
    return kit.runCommand(
        r ->
            new Register(
                impi, "sip:ue@10.0.0.1:5060", Optional.of(Duration.ofSeconds(seconds)), r));
  }

  static SubscriberView view(EventSourcedBehaviorTestKit<Command, Event, State> kit) {
    return kit.<StatusReply<SubscriberView>>runCommand(Get::new).reply().getValue();
  }

  static ServiceView service(SubscriberView view, String sic) {
    return view.services().stream()
        .filter(s -> s.sic().equals(Optional.of(sic)))
        .findFirst()
        .orElseThrow();
  }

  static ErrorCode refusal(StatusReply<?> reply) {
    assertThat(reply.isError()).as("refused: %s", reply).isTrue();
    return ((Refusal) reply.getError()).code();
  }

  // ---------------------------------------------------------------- provisioning

  @Test
  void provisioningIsIdempotentAndListsTheServicesWithTheirIdentities() {
    var kit = entity(SETTINGS, clock);
    var first =
        kit.<StatusReply<Provisioned>>runCommand(
            r -> new Provision("8613800000001", "460", "01", r));
    assertThat(first.event()).isInstanceOf(SubscriberProvisioned.class);
    assertThat(first.reply().getValue().created()).isTrue();
    var again =
        kit.<StatusReply<Provisioned>>runCommand(
            r -> new Provision("8613800000001", "460", "01", r));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().getValue().created()).isFalse();

    var added = kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("001", "VoLTE", r));
    assertThat(added.event()).isEqualTo(new ServiceSubscribed("001", "VoLTE"));
    assertThat(added.reply().getValue().created()).isTrue();
    ServiceView volte = added.reply().getValue().service();
    assertThat(volte.sic()).contains("001");
    assertThat(volte.name()).isEqualTo("VoLTE");
    assertThat(volte.impi()).isEqualTo("460011100612345@ims.sic001.mnc001.mcc460.3gppnetwork.org");
    assertThat(volte.state()).isEqualTo(RegistrationState.NOT_REGISTERED);
    assertThat(volte.contact()).isEmpty();
    assertThat(volte.expiresAt()).isEmpty();

    var replay = kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("001", "VoLTE", r));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(replay.reply().getValue()).isEqualTo(new ServiceAdded(volte, false));

    SubscriberView view = view(kit);
    assertThat(view.imsi()).isEqualTo(IMSI);
    assertThat(view.msisdn()).isEqualTo("8613800000001");
    assertThat(view.mcc()).isEqualTo("460");
    assertThat(view.mnc()).isEqualTo("01");
    assertThat(view.services()).containsExactly(volte);
    assertThat(view.defaultService().sic()).isEmpty();
    assertThat(view.defaultService().name()).isEqualTo(ImsSubscriber.DEFAULT_SERVICE_NAME);
    assertThat(view.defaultService().impi()).isEqualTo(STANDARD.value());
  }

  @Test
  void everyCommandOfAnUnprovisionedSubscriberIsUnknownSubscriber() {
    var kit = entity(SETTINGS, clock);
    assertThat(refusal(kit.<StatusReply<SubscriberView>>runCommand(Get::new).reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    assertThat(refusal(register(kit, VOLTE, 600).reply())).isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    assertThat(
            refusal(
                kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(VOLTE, r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    assertThat(
            refusal(
                kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("001", "VoLTE", r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    assertThat(
            refusal(
                kit.<StatusReply<SubscriberView>>runCommand(r -> new RemoveService("001", r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    assertThat(
            refusal(
                kit.<StatusReply<ServiceView>>runCommand(
                        r -> new GetRegistration(Optional.empty(), r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
  }

  @Test
  void renamingAServiceKeepsItsRegistration() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    var renamed =
        kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("001", "Voice over LTE", r));
    assertThat(renamed.event()).isEqualTo(new ServiceSubscribed("001", "Voice over LTE"));
    assertThat(renamed.reply().getValue().created()).isFalse();
    assertThat(renamed.reply().getValue().service().state())
        .isEqualTo(RegistrationState.REGISTERED);
  }

  @Test
  void aNewMsisdnKeepsRegistrationsButANewNetworkEndsThem() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    register(kit, STANDARD, 600);
    kit.<StatusReply<Provisioned>>runCommand(r -> new Provision("8613800000002", "460", "001", r));
    assertThat(service(view(kit), "001").state()).isEqualTo(RegistrationState.REGISTERED);
    assertThat(view(kit).defaultService().state()).isEqualTo(RegistrationState.REGISTERED);

    var moved =
        kit.<StatusReply<Provisioned>>runCommand(
            r -> new Provision("8613800000002", "460", "02", r));
    SubscriberView view = moved.reply().getValue().subscriber();
    assertThat(view.services())
        .extracting(ServiceView::state)
        .containsOnly(RegistrationState.NOT_REGISTERED);
    assertThat(view.defaultService().state()).isEqualTo(RegistrationState.NOT_REGISTERED);
    assertThat(service(view, "001").impi())
        .isEqualTo("460011100612345@ims.sic001.mnc002.mcc460.3gppnetwork.org");
    assertThat(refusal(register(kit, VOLTE, 600).reply())).isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
  }

  // ---------------------------------------------------------------- registration

  @Test
  void eachServiceRegistersOnItsOwn() {
    var kit = volteAndRcs();
    var volte = register(kit, VOLTE, 600);
    assertThat(volte.event()).isInstanceOf(Registered.class);
    assertThat(volte.reply().getValue())
        .isEqualTo(
            new RegistrationResult(
                VOLTE.value(),
                Optional.of("001"),
                RegistrationState.REGISTERED,
                true,
                Optional.of(clock.instant().plusSeconds(600))));
    var rcs = register(kit, RCS, 1200);
    assertThat(rcs.reply().getValue().initial()).isTrue();

    SubscriberView view = view(kit);
    assertThat(service(view, "001").state()).isEqualTo(RegistrationState.REGISTERED);
    assertThat(service(view, "001").contact()).contains("sip:ue@10.0.0.1:5060");
    assertThat(service(view, "001").expiresAt()).contains(clock.instant().plusSeconds(600));
    assertThat(service(view, "002").state()).isEqualTo(RegistrationState.REGISTERED);
    assertThat(service(view, "002").expiresAt()).contains(clock.instant().plusSeconds(1200));
    assertThat(view.defaultService().state()).isEqualTo(RegistrationState.NOT_REGISTERED);
  }

  @Test
  void deregisteringOneServiceLeavesTheOther() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    register(kit, RCS, 600);
    var dereg = kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(RCS, r));
    assertThat(dereg.event()).isEqualTo(new Deregistered(Optional.of("002")));
    assertThat(dereg.reply().getValue())
        .isEqualTo(
            new RegistrationResult(
                RCS.value(),
                Optional.of("002"),
                RegistrationState.NOT_REGISTERED,
                false,
                Optional.empty()));
    assertThat(service(view(kit), "001").state()).isEqualTo(RegistrationState.REGISTERED);
    assertThat(service(view(kit), "002").state()).isEqualTo(RegistrationState.NOT_REGISTERED);

    var again = kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(RCS, r));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(refusal(again.reply())).isEqualTo(ErrorCode.NOT_REGISTERED);
  }

  @Test
  void registeringAgainIsARefresh() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    clock.advance(Duration.ofSeconds(100));
    var refresh = register(kit, VOLTE, 600);
    assertThat(refresh.reply().getValue().initial()).isFalse();
    assertThat(refresh.reply().getValue().expiresAt()).contains(clock.instant().plusSeconds(600));
    assertThat(service(view(kit), "001").expiresAt()).contains(clock.instant().plusSeconds(600));

    var moved =
        kit.<StatusReply<RegistrationResult>>runCommand(
            r ->
                new Register(
                    VOLTE, "sip:ue@10.0.0.2:5060", Optional.of(Duration.ofSeconds(600)), r));
    assertThat(moved.reply().getValue().initial()).isFalse();
    assertThat(service(view(kit), "001").contact()).contains("sip:ue@10.0.0.2:5060");
  }

  @Test
  void theStandardImpiRegistersTheDefaultServiceAlone() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    var standard = register(kit, STANDARD, 600);
    assertThat(standard.event()).isInstanceOf(Registered.class);
    assertThat(standard.reply().getValue().sic()).isEmpty();
    assertThat(standard.reply().getValue().impi()).isEqualTo(STANDARD.value());
    assertThat(standard.reply().getValue().initial()).isTrue();
    assertThat(view(kit).defaultService().state()).isEqualTo(RegistrationState.REGISTERED);

    kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(STANDARD, r));
    assertThat(view(kit).defaultService().state()).isEqualTo(RegistrationState.NOT_REGISTERED);
    assertThat(service(view(kit), "001").state()).isEqualTo(RegistrationState.REGISTERED);
  }

  @Test
  void refusesUnsubscribedServicesAndForeignNetworks() {
    var kit = volteAndRcs();
    Impi video = Impi.derive(IMSI, "460", "01", Optional.of("003"));
    var unsubscribed = register(kit, video, 600);
    assertThat(unsubscribed.hasNoEvents()).isTrue();
    assertThat(refusal(unsubscribed.reply())).isEqualTo(ErrorCode.SERVICE_NOT_SUBSCRIBED);
    assertThat(
            refusal(
                kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(video, r))
                    .reply()))
        .isEqualTo(ErrorCode.SERVICE_NOT_SUBSCRIBED);
    // SIC 1 is not SIC 001.
    assertThat(
            refusal(register(kit, Impi.derive(IMSI, "460", "01", Optional.of("1")), 600).reply()))
        .isEqualTo(ErrorCode.SERVICE_NOT_SUBSCRIBED);

    for (Impi foreign :
        List.of(
            Impi.derive(IMSI, "461", "01", Optional.of("001")),
            Impi.derive(IMSI, "460", "02", Optional.of("001")),
            Impi.derive(IMSI, "460", "010", Optional.of("001")),
            Impi.derive(IMSI, "461", "01", Optional.empty()))) {
      var refused = register(kit, foreign, 600);
      assertThat(refused.hasNoEvents()).isTrue();
      assertThat(refusal(refused.reply()))
          .as(foreign.value())
          .isEqualTo(ErrorCode.UNKNOWN_SUBSCRIBER);
    }
  }

  @Test
  void clampsTheRequestedLifetimeAndDefaultsIt() {
    var kit = volteAndRcs();
    Instant now = clock.instant();
    assertThat(register(kit, VOLTE, 1).reply().getValue().expiresAt())
        .contains(now.plusSeconds(60));
    assertThat(register(kit, VOLTE, 365L * 24 * 3600).reply().getValue().expiresAt())
        .contains(now.plus(Duration.ofDays(7)));
    assertThat(register(kit, VOLTE, Long.MAX_VALUE / 2).reply().getValue().expiresAt())
        .contains(now.plus(Duration.ofDays(7)));
    var defaulted =
        kit.<StatusReply<RegistrationResult>>runCommand(
            r -> new Register(RCS, "sip:ue@10.0.0.1", Optional.empty(), r));
    assertThat(defaulted.reply().getValue().expiresAt()).contains(now.plus(Duration.ofHours(1)));
  }

  @Test
  void expiresZeroDeregisters() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    register(kit, RCS, 600);
    var zero = register(kit, VOLTE, 0);
    assertThat(zero.event()).isEqualTo(new Deregistered(Optional.of("001")));
    assertThat(zero.reply().getValue().state()).isEqualTo(RegistrationState.NOT_REGISTERED);
    assertThat(zero.reply().getValue().expiresAt()).isEmpty();
    assertThat(service(view(kit), "002").state()).isEqualTo(RegistrationState.REGISTERED);

    var zeroAgain = register(kit, VOLTE, 0);
    assertThat(zeroAgain.hasNoEvents()).isTrue();
    assertThat(zeroAgain.reply().getValue().state()).isEqualTo(RegistrationState.NOT_REGISTERED);
  }

  @Test
  void aLapsedRegistrationIsNotRegisteredEvenBeforeItsTimerRuns() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    clock.advance(Duration.ofSeconds(600));
    assertThat(service(view(kit), "001").state()).isEqualTo(RegistrationState.NOT_REGISTERED);
    assertThat(
            refusal(
                kit.<StatusReply<RegistrationResult>>runCommand(r -> new Deregister(VOLTE, r))
                    .reply()))
        .isEqualTo(ErrorCode.NOT_REGISTERED);
    assertThat(register(kit, VOLTE, 600).reply().getValue().initial()).isTrue();
  }

  @Test
  void otherCapabilitiesAskWhetherAServiceIsRegistered() {
    var kit = volteAndRcs();
    register(kit, RCS, 600);
    ServiceView rcs =
        kit.<StatusReply<ServiceView>>runCommand(r -> new GetRegistration(Optional.of("002"), r))
            .reply()
            .getValue();
    assertThat(rcs.registered()).isTrue();
    assertThat(rcs.impi()).isEqualTo(RCS.value());
    ServiceView standard =
        kit.<StatusReply<ServiceView>>runCommand(r -> new GetRegistration(Optional.empty(), r))
            .reply()
            .getValue();
    assertThat(standard.registered()).isFalse();
    assertThat(
            refusal(
                kit.<StatusReply<ServiceView>>runCommand(
                        r -> new GetRegistration(Optional.of("009"), r))
                    .reply()))
        .isEqualTo(ErrorCode.SERVICE_NOT_SUBSCRIBED);
  }

  // ---------------------------------------------------------------- cancellation

  @Test
  void cancellingAServiceDeregistersItAndRemovesOnlyItsEntry() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 600);
    register(kit, RCS, 600);
    var cancelled = kit.<StatusReply<SubscriberView>>runCommand(r -> new RemoveService("002", r));
    assertThat(cancelled.events())
        .containsExactly(new Deregistered(Optional.of("002")), new ServiceUnsubscribed("002"));
    SubscriberView view = cancelled.reply().getValue();
    assertThat(view.services()).extracting(ServiceView::sic).containsExactly(Optional.of("001"));
    assertThat(service(view, "001").state()).isEqualTo(RegistrationState.REGISTERED);
    assertThat(refusal(register(kit, RCS, 600).reply()))
        .isEqualTo(ErrorCode.SERVICE_NOT_SUBSCRIBED);

    var replay = kit.<StatusReply<SubscriberView>>runCommand(r -> new RemoveService("002", r));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(replay.reply().getValue()).isEqualTo(view);

    var unregistered =
        kit.<StatusReply<SubscriberView>>runCommand(r -> new RemoveService("001", r));
    assertThat(unregistered.events()).hasSize(2);
    kit.<StatusReply<ServiceAdded>>runCommand(r -> new AddService("003", "Video", r));
    var idle = kit.<StatusReply<SubscriberView>>runCommand(r -> new RemoveService("003", r));
    assertThat(idle.events()).containsExactly(new ServiceUnsubscribed("003"));
  }

  // ---------------------------------------------------------------- expiry and recovery

  static final Settings ONE_SECOND =
      new Settings(
          Duration.ofSeconds(1), Duration.ofDays(7), Duration.ofHours(1), Duration.ofMinutes(2));

  @Test
  void aRegistrationLapsesAtItsExpiry() {
    var kit = volteAndRcs(ONE_SECOND, Clock.systemUTC());
    register(kit, VOLTE, 1);
    register(kit, RCS, 60);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ((Known) kit.getState()).binding(Optional.of("001")).isEmpty());
    assertThat(((Known) kit.getState()).binding(Optional.of("002"))).isPresent();
    assertThat(kit.persistenceTestKit().persistedInStorage(ImsSubscriber.KEY.name() + "|" + IMSI))
        .contains(new RegistrationExpired(Optional.of("001")));
  }

  @Test
  void anExpiryTimerOfARefreshedRegistrationChangesNothing() {
    var kit = volteAndRcs();
    register(kit, VOLTE, 60);
    clock.advance(Duration.ofSeconds(30));
    register(kit, VOLTE, 60);
    clock.advance(Duration.ofSeconds(30));
    assertThat(kit.runCommand(new ExpireRegistration(Optional.of("001"))).hasNoEvents()).isTrue();
    assertThat(service(view(kit), "001").state()).isEqualTo(RegistrationState.REGISTERED);
    clock.advance(Duration.ofSeconds(30));
    assertThat(kit.runCommand(new ExpireRegistration(Optional.of("001"))).events())
        .containsExactly(new RegistrationExpired(Optional.of("001")));
    assertThat(kit.runCommand(new ExpireRegistration(Optional.of("001"))).hasNoEvents()).isTrue();
  }

  @Test
  void recoveryRestoresStateAndReArmsExpiry() {
    var kit = volteAndRcs(ONE_SECOND, Clock.systemUTC());
    register(kit, VOLTE, 2);
    register(kit, STANDARD, 60);
    SubscriberView before = view(kit);
    kit.restart();
    assertThat(kit.getState()).isInstanceOf(Known.class);
    assertThat(view(kit).services()).isEqualTo(before.services());
    assertThat(view(kit).defaultService()).isEqualTo(before.defaultService());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ((Known) kit.getState()).binding(Optional.of("001")).isEmpty());
    assertThat(view(kit).defaultService().state()).isEqualTo(RegistrationState.REGISTERED);
  }
}
