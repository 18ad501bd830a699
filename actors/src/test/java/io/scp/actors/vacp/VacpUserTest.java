package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpUser.Command;
import io.scp.actors.vacp.VacpUser.DropService;
import io.scp.actors.vacp.VacpUser.Event;
import io.scp.actors.vacp.VacpUser.Link;
import io.scp.actors.vacp.VacpUser.State;
import io.scp.actors.vacp.VacpUser.Track;
import io.scp.actors.vacp.VacpUser.UserView;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-user index of interworkings and the cascade when the user drops a service. */
class VacpUserTest {
  static final String MSISDN = "8613900000002";
  static final Link A_USES_B = new Link(MSISDN + "/pf-a/cap-b", "pf-a", "cap-b", "pf-b");
  static final Link B_USES_C = new Link(MSISDN + "/pf-b/cap-c", "pf-b", "cap-c", "pf-c");
  static final Link A_USES_C = new Link(MSISDN + "/pf-a/cap-c", "pf-a", "cap-c", "pf-c");

  ActorTestKit testKit;
  LocalEntities entities;
  VacpPorts ports;
  ActorRef<Subscriber.Command> subscriber;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    entities = new LocalEntities(testKit.system());
    ports = VacpTesting.ports(testKit, entities, new RecordingGateway());
    subscriber = entities.put(Subscriber.KEY, MSISDN, testKit.spawn(Subscriber.create(MSISDN)));
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
    for (String service : new String[] {"pf-a", "pf-b", "pf-c"}) {
      success(
          VacpTesting.<Subscriber.Command, Subscriber.SubscriberView>ask(
              testKit, subscriber, r -> new Subscriber.SubscribeService(service, r)));
    }
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit() {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), VacpUser.create(MSISDN, ports, SETTINGS));
  }

  /** A real interworking entity without a setting: cancelling it answers NO_INTERWORKING. */
  void interworking(Link link) {
    entities.put(
        Interworking.KEY,
        link.interworkingId(),
        testKit.spawn(
            Interworking.create(link.interworkingId(), ports, SETTINGS, Clock.systemUTC())));
  }

  @Test
  void itIndexesTheUsersInterworkings() {
    var kit = kit();
    assertThat(kit.<StatusReply<Done>>runCommand(r -> new Track(A_USES_B, r)).reply().isSuccess())
        .isTrue();
    assertThat(success(kit.<StatusReply<UserView>>runCommand(VacpUser.Get::new).reply()).links())
        .containsExactly(A_USES_B);
    assertThat(kit.<StatusReply<Done>>runCommand(r -> new Track(A_USES_B, r)).hasNoEvents())
        .isTrue();
    kit.<StatusReply<Done>>runCommand(r -> new Track(B_USES_C, r));
    kit.runCommand(new VacpUser.Untrack(A_USES_B.interworkingId()));
    kit.restart();
    assertThat(success(kit.<StatusReply<UserView>>runCommand(VacpUser.Get::new).reply()).links())
        .containsExactly(B_USES_C);
  }

  @Test
  void droppingAServiceWithoutInterworkingsOnlyUnsubscribes() {
    var kit = kit();
    kit.<StatusReply<Done>>runCommand(r -> new Track(A_USES_C, r));
    var dropped =
        kit.<StatusReply<Subscriber.SubscriberView>>runCommand(r -> new DropService("pf-b", r));
    assertThat(success(dropped.reply()).services()).containsExactly("pf-a", "pf-c");
    assertThat(dropped.hasNoEvents()).isTrue();
  }

  @Test
  void droppingAServiceCancelsEveryInvolvedInterworkingFirstAlsoAcrossARestart() {
    var kit = kit();
    kit.<StatusReply<Done>>runCommand(r -> new Track(A_USES_B, r));
    kit.<StatusReply<Done>>runCommand(r -> new Track(B_USES_C, r));
    kit.<StatusReply<Done>>runCommand(r -> new Track(A_USES_C, r));
    interworking(A_USES_B);
    // B_USES_C's entity is unreachable for now: the drop waits and retries.

    TestProbe<StatusReply<Subscriber.SubscriberView>> operator = testKit.createTestProbe();
    var started = kit.runCommand(new DropService("pf-b", operator.ref()));
    assertThat(started.eventOfType(VacpUser.DropStarted.class).interworkingIds())
        .containsExactly(A_USES_B.interworkingId(), B_USES_C.interworkingId());
    operator.expectNoMessage(Duration.ofMillis(600));
    Link another = new Link(MSISDN + "/pf-b/cap-x", "pf-b", "cap-x", "pf-x");
    assertThat(refusal(kit.<StatusReply<Done>>runCommand(r -> new Track(another, r)).reply()))
        .as("no new setting for the service being dropped")
        .isEqualTo(ErrorCode.NOT_SUBSCRIBED);
    assertThat(subscriberServices()).as("still subscribed meanwhile").contains("pf-b");

    kit.restart();
    interworking(B_USES_C);
    await().atMost(Duration.ofSeconds(5)).until(() -> kit.getState().drop().isEmpty());
    assertThat(subscriberServices()).containsExactly("pf-a", "pf-c");
    assertThat(kit.getState().links()).containsOnlyKeys(A_USES_C.interworkingId());
  }

  java.util.List<String> subscriberServices() {
    return success(
            VacpTesting.<Subscriber.Command, Subscriber.SubscriberView>ask(
                testKit, subscriber, Subscriber.Get::new))
        .services();
  }
}
