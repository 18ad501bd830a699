package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpCapability.Capability;
import io.scp.actors.vacp.VacpCapability.CapabilityView;
import io.scp.actors.vacp.VacpCapability.Command;
import io.scp.actors.vacp.VacpCapability.Event;
import io.scp.actors.vacp.VacpCapability.Provider;
import io.scp.actors.vacp.VacpCapability.Register;
import io.scp.actors.vacp.VacpCapability.Registered;
import io.scp.actors.vacp.VacpCapability.Spec;
import io.scp.actors.vacp.VacpCapability.State;
import io.scp.actors.vacp.VacpCapability.Status;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VacpCapabilityTest {
  static final Spec SPEC =
      new Spec("weather", "Forecast", "5-day forecast", DirectoryEntry.Style.BOTH);
  static final Provider PROVIDER = new Provider("pf-weather", 1, Optional.empty(), "central");

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
    entities.put(
        VacpServiceIndex.KEY, "weather", testKit.spawn(VacpServiceIndex.create("weather")));
    entities.put(
        VacpPlatform.KEY, PROVIDER.platformId(), testKit.spawn(VacpPlatform.create("pf-weather")));
    success(
        VacpTesting.<VacpPlatform.Command, VacpPlatform.Registered>ask(
            testKit,
            entities.refFor(VacpPlatform.KEY, PROVIDER.platformId()),
            r ->
                new VacpPlatform.Register(
                    new VacpPlatform.Profile(
                        "Weather",
                        1,
                        Optional.empty(),
                        "central",
                        "http://127.0.0.1:1/weather",
                        PlatformGateway.Protocol.STANDARD,
                        VacpPlatform.Status.ACTIVE),
                    Optional.of("hash"),
                    r)));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit() {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), VacpCapability.create("cap-1", ports, SETTINGS));
  }

  void spawnCentral() {
    entities.put(
        VacpNode.KEY,
        VacpNode.CENTRAL_ID,
        testKit.spawn(VacpNode.create(VacpNode.CENTRAL_ID, ports, SETTINGS)));
  }

  DirectoryEntryList directory() {
    return new DirectoryEntryList(
        success(
                VacpTesting.<VacpNode.Command, VacpNode.DirectoryView>ask(
                    testKit,
                    entities.refFor(VacpNode.KEY, VacpNode.CENTRAL_ID),
                    VacpNode.ListDirectory::new))
            .entries());
  }

  record DirectoryEntryList(java.util.List<DirectoryEntry> entries) {}

  @Test
  void registrationAnswersOnceTheHomeVacpHasIt() {
    spawnCentral();
    var kit = kit();
    var created = kit.<StatusReply<Registered>>runCommand(r -> new Register(SPEC, PROVIDER, r));
    Registered registered = success(created.reply());
    assertThat(registered.created()).isTrue();
    assertThat(registered.capability().status()).isEqualTo(Status.ACTIVE);
    assertThat(registered.capability().revision()).isEqualTo(1);
    assertThat(directory().entries()).extracting(DirectoryEntry::name).containsExactly("Forecast");

    var replay = kit.<StatusReply<Registered>>runCommand(r -> new Register(SPEC, PROVIDER, r));
    assertThat(success(replay.reply()).created()).isFalse();
    assertThat(replay.hasNoEvents()).isTrue();

    var hijack =
        kit.<StatusReply<Registered>>runCommand(
            r -> new Register(SPEC, new Provider("pf-other", 1, Optional.empty(), "central"), r));
    assertThat(refusal(hijack.reply())).isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(
            refusal(
                kit.<StatusReply<CapabilityView>>runCommand(
                        r -> new VacpCapability.Deregister("pf-other", r))
                    .reply()))
        .isEqualTo(ErrorCode.FORBIDDEN);

    var changed =
        kit.<StatusReply<Registered>>runCommand(
            r ->
                new Register(
                    new Spec("weather", "Forecast Pro", "5-day", DirectoryEntry.Style.PULL),
                    PROVIDER,
                    r));
    assertThat(success(changed.reply()).created()).isFalse();
    assertThat(success(changed.reply()).capability().revision()).isEqualTo(2);
    assertThat(directory().entries())
        .extracting(DirectoryEntry::name)
        .containsExactly("Forecast Pro");

    kit.restart();
    assertThat(
            success(kit.<StatusReply<CapabilityView>>runCommand(VacpCapability.Get::new).reply())
                .spec()
                .name())
        .isEqualTo("Forecast Pro");
  }

  @Test
  void deregistrationWithdrawsAndTellsTheProviderOnce() {
    spawnCentral();
    var kit = kit();
    kit.<StatusReply<Registered>>runCommand(r -> new Register(SPEC, PROVIDER, r));
    var removed =
        kit.<StatusReply<CapabilityView>>runCommand(
            r -> new VacpCapability.Deregister(PROVIDER.platformId(), r));
    CapabilityView view = success(removed.reply());
    assertThat(view.status()).isEqualTo(Status.DEREGISTERED);
    assertThat(view.publishedTo()).isEmpty();
    assertThat(directory().entries()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ((Capability) kit.getState()).notices().isEmpty());
    assertThat(gateway.calls("capability-removed")).hasSize(1);
    assertThat(gateway.calls("capability-removed").get(0).fields())
        .containsEntry("capabilityId", "cap-1")
        .containsEntry("noticeId", "capability-removed:cap-1:2");

    var again =
        kit.<StatusReply<CapabilityView>>runCommand(
            r -> new VacpCapability.Deregister(PROVIDER.platformId(), r));
    assertThat(again.hasNoEvents()).isTrue();
    kit.restart();
    assertThat(gateway.calls("capability-removed")).as("not sent again after a restart").hasSize(1);

    var back = kit.<StatusReply<Registered>>runCommand(r -> new Register(SPEC, PROVIDER, r));
    assertThat(success(back.reply()).created()).isTrue();
    assertThat(success(back.reply()).capability().revision()).isEqualTo(3);
  }

  /** The central directory keeps every tombstone: one keeps no description. */
  @Test
  void theTombstoneAHomeVacpGetsKeepsNoDescription() {
    List<DirectoryEntry> published = new CopyOnWriteArrayList<>();
    entities.put(
        VacpNode.KEY,
        VacpNode.CENTRAL_ID,
        testKit.spawn(
            Behaviors.<VacpNode.Command>receiveMessage(
                message -> {
                  if (message instanceof VacpNode.Publish publish) {
                    published.add(publish.entry());
                    publish.replyTo().tell(StatusReply.success(new VacpNode.Published(List.of())));
                  }
                  return Behaviors.same();
                })));
    var kit = kit();
    success(kit.<StatusReply<Registered>>runCommand(r -> new Register(SPEC, PROVIDER, r)).reply());
    success(
        kit.<StatusReply<CapabilityView>>runCommand(
                r -> new VacpCapability.Deregister(PROVIDER.platformId(), r))
            .reply());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> published.stream().anyMatch(e -> !e.active()));
    DirectoryEntry live =
        published.stream().filter(DirectoryEntry::active).findFirst().orElseThrow();
    DirectoryEntry tombstone =
        published.stream().filter(e -> !e.active()).findFirst().orElseThrow();
    assertThat(live.description()).isEqualTo(SPEC.description()).isNotEmpty();
    assertThat(tombstone.description()).isEmpty();
    assertThat(tombstone.revision()).isGreaterThan(live.revision());
  }

  @Test
  void aRevisionReachesItsHomeVacpEvenAfterAnOutageAndARestart() {
    var kit = kit();
    TestProbe<StatusReply<Registered>> caller = testKit.createTestProbe();
    kit.runCommand(new Register(SPEC, PROVIDER, caller.ref()));
    caller.expectNoMessage(Duration.ofMillis(700));
    assertThat(((Capability) kit.getState()).synced()).isFalse();
    assertThat(
            success(kit.<StatusReply<CapabilityView>>runCommand(VacpCapability.Get::new).reply())
                .status())
        .isEqualTo(Status.PENDING);

    kit.restart();
    spawnCentral();
    await().atMost(Duration.ofSeconds(5)).until(() -> ((Capability) kit.getState()).synced());
    assertThat(directory().entries())
        .extracting(DirectoryEntry::capabilityId)
        .containsExactly("cap-1");
  }
}
