package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpEvent.Command;
import io.scp.actors.vacp.VacpEvent.Delivery;
import io.scp.actors.vacp.VacpEvent.Event;
import io.scp.actors.vacp.VacpEvent.EventView;
import io.scp.actors.vacp.VacpEvent.Published;
import io.scp.actors.vacp.VacpEvent.Reason;
import io.scp.actors.vacp.VacpEvent.Spec;
import io.scp.actors.vacp.VacpEvent.State;
import io.scp.actors.vacp.VacpEvent.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event entity with real directory, platform, authorisation, subscriber, user and interworking
 * entities: a delivery deferred by quiet hours goes out when they end, recovery rebuilds the state
 * (every command, event and state serialised), and the pure quiet-window arithmetic.
 */
class VacpEventTest {
  static final String MSISDN = "8613900000002";
  static final VacpPushSettings PUSH =
      new VacpPushSettings(3, Duration.ofMillis(100), Duration.ofMillis(200), 65536);

  static final Instant MORNING = Instant.parse("2030-06-01T07:00:00Z");

  /**
   * Real time, shifted: by default two seconds before the end of the quiet hours 22:00-07:00. Per
   * test (not per class), so that no test finds the morning already past because others ran first.
   */
  Clock clock = shortlyBefore(MORNING, Duration.ofSeconds(2));

  ActorTestKit testKit;
  LocalEntities entities;
  RecordingGateway gateway;
  VacpPorts ports;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    entities = new LocalEntities(testKit.system());
    gateway = new RecordingGateway();
    ports = VacpTesting.ports(testKit, entities, gateway);
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit(String eventId) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), VacpEvent.create(eventId, ports, SETTINGS, PUSH, clock));
  }

  /** pf-b provides the push capability cap-b; pf-a receives it for the user in quiet hours. */
  void scene() {
    entities.put(
        VacpNode.KEY,
        VacpNode.CENTRAL_ID,
        testKit.spawn(VacpNode.create(VacpNode.CENTRAL_ID, ports, SETTINGS)));
    for (String platform : new String[] {"pf-a", "pf-b"}) {
      VacpTesting.activePlatform(testKit, entities, platform, 1, Optional.empty());
    }
    // a registration answers once the service index has the capability
    entities.put(VacpServiceIndex.KEY, "svc-b", testKit.spawn(VacpServiceIndex.create("svc-b")));
    var capability =
        entities.put(
            VacpCapability.KEY,
            "cap-b",
            testKit.spawn(VacpCapability.create("cap-b", ports, SETTINGS)));
    success(
        VacpTesting.<VacpCapability.Command, VacpCapability.Registered>ask(
            testKit,
            capability,
            r ->
                new VacpCapability.Register(
                    new VacpCapability.Spec(
                        "svc-b", "News", "breaking news", DirectoryEntry.Style.PUSH),
                    new VacpCapability.Provider("pf-b", 1, Optional.empty(), VacpNode.CENTRAL_ID),
                    r)));
    String authorizationId = VacpAuthorization.entityId("pf-a", "cap-b");
    var authorization =
        entities.put(
            VacpAuthorization.KEY,
            authorizationId,
            testKit.spawn(VacpAuthorization.create(authorizationId)));
    success(
        VacpTesting.<VacpAuthorization.Command, VacpAuthorization.Granted>ask(
            testKit,
            authorization,
            r ->
                new VacpAuthorization.Grant(
                    "pf-a",
                    "cap-b",
                    "pf-b",
                    new VacpAuthorization.Terms(Optional.empty(), Optional.empty(), 4, 10, 10, 0),
                    r)));
    var subscriber = entities.put(Subscriber.KEY, MSISDN, testKit.spawn(Subscriber.create(MSISDN)));
    success(
        VacpTesting.<Subscriber.Command, Subscriber.Provisioned>ask(
            testKit,
            subscriber,
            r ->
                new Subscriber.Provision(
                    new Subscriber.Profile(
                        Optional.empty(),
                        Optional.empty(),
                        Subscriber.Status.ACTIVE,
                        Optional.empty()),
                    r)));
    for (String service : new String[] {"pf-a", "pf-b"}) {
      success(
          VacpTesting.<Subscriber.Command, Subscriber.SubscriberView>ask(
              testKit, subscriber, r -> new Subscriber.SubscribeService(service, r)));
    }
    entities.put(VacpUser.KEY, MSISDN, testKit.spawn(VacpUser.create(MSISDN, ports, SETTINGS)));
    var setting =
        new Interworking.Setting(
            MSISDN,
            "pf-a",
            "cap-b",
            "pf-b",
            "svc-b",
            Interworking.Mode.PUSH,
            new Interworking.ReceiveConditions(
                Optional.of(new Interworking.QuietHours("22:00", "07:00")),
                false,
                Optional.empty()));
    var interworking =
        entities.put(
            Interworking.KEY,
            setting.id(),
            testKit.spawn(Interworking.create(setting.id(), ports, SETTINGS, clock)));
    success(
        VacpTesting.<Interworking.Command, Interworking.SetupResult>ask(
            testKit, interworking, r -> new Interworking.Setup(setting, r)));
  }

  static Clock shortlyBefore(Instant at, Duration lead) {
    return Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), at.minus(lead)));
  }

  Delivery delivery(EventSourcedBehaviorTestKit<Command, Event, State> kit) {
    return ((Published) kit.getState()).deliveries().get("pf-a");
  }

  void deregisterCapability() {
    success(
        VacpTesting.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            testKit,
            entities.refFor(VacpCapability.KEY, "cap-b"),
            r -> new VacpCapability.Deregister("pf-b", r)));
  }

  /** In the afternoon (no quiet hours), an event whose first attempt the platform failed. */
  EventSourcedBehaviorTestKit<Command, Event, State> afterAFailedFirstAttempt(
      String eventId, VacpPushSettings push) {
    clock = shortlyBefore(MORNING.plus(Duration.ofHours(5)), Duration.ZERO);
    scene();
    gateway.answer(VacpEvent.OPERATION, PlatformGateway.Outcome.FAILED);
    var kit =
        EventSourcedBehaviorTestKit.<Command, Event, State>create(
            testKit.system(), VacpEvent.create(eventId, ports, SETTINGS, push, clock));
    kit.<StatusReply<EventView>>runCommand(r -> new VacpEvent.Publish(spec(eventId), r));
    await().atMost(Duration.ofSeconds(5)).until(() -> delivery(kit).attempts() == 1);
    return kit;
  }

  static Spec spec(String eventId) {
    return new Spec(eventId, "cap-b", MSISDN, "pf-b", "{\"headline\":\"hello\"}");
  }

  @Test
  void aDeliveryInQuietHoursGoesOutWhenTheyEndAndRecoveryKeepsEverything() {
    scene();
    var kit = kit("ev-1");
    var published =
        kit.<StatusReply<EventView>>runCommand(r -> new VacpEvent.Publish(spec("ev-1"), r));
    EventView view = success(published.reply());
    assertThat(view.deliveries()).hasSize(1);
    assertThat(view.deliveries().get(0).priority()).isEqualTo(4);
    assertThat(view.deliveries().get(0).status()).isEqualTo(Status.PENDING);
    assertThat(view.deliveries().get(0).reason()).contains(Reason.QUIET_HOURS);
    Delivery deferred = ((Published) kit.getState()).deliveries().get("pf-a");
    assertThat(deferred.notBefore()).contains(Instant.parse("2030-06-01T07:00:00Z"));
    assertThat(gateway.calls(VacpEvent.OPERATION)).isEmpty();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ((Published) kit.getState()).deliveries().get("pf-a").status() == Status.DELIVERED);
    assertThat(clock.instant()).isAfterOrEqualTo(Instant.parse("2030-06-01T07:00:00Z"));
    var call = gateway.calls(VacpEvent.OPERATION).get(0);
    assertThat(call.platformId()).isEqualTo("pf-a");
    assertThat(call.fields())
        .containsEntry("eventId", "ev-1")
        .containsEntry("providerPlatformId", "pf-b");

    State before = kit.getState();
    kit.restart();
    assertThat(kit.getState()).isEqualTo(before);
    var replay =
        kit.<StatusReply<EventView>>runCommand(r -> new VacpEvent.Publish(spec("ev-1"), r));
    assertThat(success(replay.reply()).deliveries().get(0).status()).isEqualTo(Status.DELIVERED);
    assertThat(replay.hasNoEvents()).isTrue();
    var conflict =
        kit.<StatusReply<EventView>>runCommand(
            r ->
                new VacpEvent.Publish(
                    new Spec("ev-1", "cap-b", MSISDN, "pf-b", "{\"headline\":\"other\"}"), r));
    assertThat(refusal(conflict.reply())).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    assertThat(gateway.calls(VacpEvent.OPERATION)).hasSize(1);
  }

  @Test
  void aDeliveryDeferredByQuietHoursIsSkippedIfTheCapabilityIsDeregisteredMeanwhile() {
    clock = shortlyBefore(MORNING, Duration.ofSeconds(5));
    scene();
    var kit = kit("ev-3");
    var published =
        kit.<StatusReply<EventView>>runCommand(r -> new VacpEvent.Publish(spec("ev-3"), r));
    assertThat(success(published.reply()).deliveries().get(0).reason())
        .contains(Reason.QUIET_HOURS);

    deregisterCapability();
    assertThat(clock.instant()).as("deregistered while deferred").isBefore(MORNING);

    await().atMost(Duration.ofSeconds(15)).until(() -> delivery(kit).status() == Status.SKIPPED);
    assertThat(clock.instant()).isAfterOrEqualTo(MORNING);
    assertThat(delivery(kit).reason()).contains(Reason.CAPABILITY_DEREGISTERED);
    assertThat(delivery(kit).attempts()).isZero();
    assertThat(gateway.calls(VacpEvent.OPERATION)).as("never pushed").isEmpty();
    State before = kit.getState();
    kit.restart();
    assertThat(kit.getState()).isEqualTo(before);
  }

  /**
   * A retry whose own look-up fails (the capability's entity unreachable, as while a node's shards
   * move) reached no platform: it is no attempt and no platform failure; the delivery goes out once
   * the look-up works, its attempts counting the platform's calls exactly.
   */
  @Test
  void aRetryThatCouldNotReadTheCapabilityIsNoAttempt() {
    var kit =
        afterAFailedFirstAttempt(
            "ev-5", new VacpPushSettings(4, Duration.ofMillis(300), Duration.ofMillis(300), 65536));

    // the capability's entity stops answering: every look-up of a retry times out
    var capability = entities.refFor(VacpCapability.KEY, "cap-b");
    AtomicInteger lookups = new AtomicInteger();
    entities.put(
        VacpCapability.KEY,
        "cap-b",
        testKit.spawn(
            Behaviors.<VacpCapability.Command>receiveMessage(
                m -> {
                  lookups.incrementAndGet();
                  return Behaviors.same();
                })));
    gateway.answer(VacpEvent.OPERATION, PlatformGateway.Outcome.ACCEPTED);
    await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= 2);
    assertThat(gateway.calls(VacpEvent.OPERATION)).as("no platform called meanwhile").hasSize(1);
    assertThat(delivery(kit).attempts()).as("failed look-ups are no attempts").isEqualTo(1);
    assertThat(delivery(kit).status()).isEqualTo(Status.PENDING);

    entities.put(VacpCapability.KEY, "cap-b", (ActorRef<VacpCapability.Command>) capability);
    await().atMost(Duration.ofSeconds(10)).until(() -> delivery(kit).status() == Status.DELIVERED);
    assertThat(gateway.calls(VacpEvent.OPERATION)).hasSize(2);
    assertThat(delivery(kit).attempts()).isEqualTo(2);
  }

  @Test
  void aRetryAfterTheCapabilityIsDeregisteredIsSkippedInsteadOfSent() {
    var kit =
        afterAFailedFirstAttempt(
            "ev-4", new VacpPushSettings(5, Duration.ofSeconds(1), Duration.ofSeconds(1), 65536));
    assertThat(delivery(kit).reason()).contains(Reason.PLATFORM_FAILED);

    deregisterCapability();
    gateway.answer(VacpEvent.OPERATION, PlatformGateway.Outcome.ACCEPTED);
    await().atMost(Duration.ofSeconds(10)).until(() -> delivery(kit).status() == Status.SKIPPED);
    assertThat(delivery(kit).reason()).contains(Reason.CAPABILITY_DEREGISTERED);
    assertThat(delivery(kit).attempts()).isEqualTo(1);
    assertThat(gateway.calls(VacpEvent.OPERATION)).as("only the attempt before").hasSize(1);
  }

  @Test
  void anUnknownEventIsNotFoundAndAStrangerCannotPublish() {
    scene();
    var kit = kit("ev-2");
    assertThat(refusal(kit.<StatusReply<EventView>>runCommand(VacpEvent.Get::new).reply()))
        .isEqualTo(ErrorCode.NOT_FOUND);
    var forged =
        kit.<StatusReply<EventView>>runCommand(
            r -> new VacpEvent.Publish(new Spec("ev-2", "cap-b", MSISDN, "pf-a", "{}"), r));
    assertThat(refusal(forged.reply())).isEqualTo(ErrorCode.FORBIDDEN);
    entities.put(
        VacpCapability.KEY,
        "cap-x",
        testKit.spawn(VacpCapability.create("cap-x", ports, SETTINGS)));
    var unknown =
        kit.<StatusReply<EventView>>runCommand(
            r -> new VacpEvent.Publish(new Spec("ev-2", "cap-x", MSISDN, "pf-b", "{}"), r));
    assertThat(refusal(unknown.reply())).isEqualTo(ErrorCode.UNKNOWN_CAPABILITY);
    assertThat(kit.getState()).isInstanceOf(VacpEvent.NoEvent.class);
  }

  @Test
  void quietHoursAreAHalfOpenUtcWindowThatMayWrapMidnight() {
    var night = new Interworking.QuietHours("22:00", "07:00");
    assertThat(VacpEvent.quietUntil(night, Instant.parse("2030-06-01T21:59:59Z"))).isEmpty();
    assertThat(VacpEvent.quietUntil(night, Instant.parse("2030-06-01T22:00:00Z")))
        .contains(Instant.parse("2030-06-02T07:00:00Z"));
    assertThat(VacpEvent.quietUntil(night, Instant.parse("2030-06-02T03:00:00Z")))
        .contains(Instant.parse("2030-06-02T07:00:00Z"));
    assertThat(VacpEvent.quietUntil(night, Instant.parse("2030-06-02T07:00:00Z"))).isEmpty();

    var lunch = new Interworking.QuietHours("12:00", "13:30");
    assertThat(VacpEvent.quietUntil(lunch, Instant.parse("2030-06-01T12:45:00Z")))
        .contains(Instant.parse("2030-06-01T13:30:00Z"));
    assertThat(VacpEvent.quietUntil(lunch, Instant.parse("2030-06-01T13:30:00Z"))).isEmpty();
    assertThat(VacpEvent.quietUntil(lunch, Instant.parse("2030-06-01T11:00:00Z"))).isEmpty();

    var never = new Interworking.QuietHours("08:00", "08:00");
    assertThat(VacpEvent.quietUntil(never, Instant.parse("2030-06-01T08:00:00Z"))).isEmpty();
  }
}
