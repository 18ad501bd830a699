package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.entry;
import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.testing.MessageFrames;
import io.scp.actors.vacp.VacpNode.Command;
import io.scp.actors.vacp.VacpNode.Configure;
import io.scp.actors.vacp.VacpNode.Configured;
import io.scp.actors.vacp.VacpNode.DirectoryView;
import io.scp.actors.vacp.VacpNode.Event;
import io.scp.actors.vacp.VacpNode.Level;
import io.scp.actors.vacp.VacpNode.NodeView;
import io.scp.actors.vacp.VacpNode.Published;
import io.scp.actors.vacp.VacpNode.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VacpNodeTest {
  ActorTestKit testKit;
  LocalEntities entities;
  VacpPorts ports;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    entities = new LocalEntities(testKit.system());
    ports = VacpTesting.ports(testKit, entities, new RecordingGateway());
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  EventSourcedBehaviorTestKit<Command, Event, State> kit(String vacpId) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), VacpNode.create(vacpId, ports, SETTINGS));
  }

  ActorRef<Command> spawn(String vacpId) {
    return entities.put(
        VacpNode.KEY, vacpId, testKit.spawn(VacpNode.create(vacpId, ports, SETTINGS)));
  }

  ActorRef<Command> regional(String vacpId) {
    ActorRef<Command> node = spawn(vacpId);
    success(
        VacpTesting.<Command, Configured>ask(
            testKit,
            node,
            r ->
                new Configure(
                    Level.REGIONAL,
                    Optional.of("r-" + vacpId),
                    Optional.of(VacpNode.CENTRAL_ID),
                    r)));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                success(VacpTesting.<Command, NodeView>ask(testKit, node, VacpNode.Get::new))
                    .attached());
    return node;
  }

  List<String> directory(ActorRef<Command> node) {
    DirectoryView view =
        success(
            VacpTesting.<Command, DirectoryView>ask(testKit, node, VacpNode.ListDirectory::new));
    return view.entries().stream().map(e -> e.capabilityId() + "@" + e.revision()).toList();
  }

  StatusReply<Published> publish(ActorRef<Command> node, DirectoryEntry entry) {
    return VacpTesting.<Command, Published>ask(testKit, node, r -> new VacpNode.Publish(entry, r));
  }

  @Test
  void theCentralVacpExistsByDefaultAndKeepsItsLevel() {
    var central = kit(VacpNode.CENTRAL_ID);
    NodeView view = central.<StatusReply<NodeView>>runCommand(VacpNode.Get::new).reply().getValue();
    assertThat(view.level()).isEqualTo(Level.CENTRAL);
    assertThat(view.attached()).isTrue();

    var same =
        central.<StatusReply<Configured>>runCommand(
            r -> new Configure(Level.CENTRAL, Optional.empty(), Optional.empty(), r));
    assertThat(same.reply().getValue().created()).isFalse();
    assertThat(same.hasNoEvents()).isTrue();
    var regional =
        central.<StatusReply<Configured>>runCommand(
            r -> new Configure(Level.REGIONAL, Optional.of("x"), Optional.of("central"), r));
    assertThat(refusal(regional.reply())).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    var named =
        central.<StatusReply<Configured>>runCommand(
            r -> new Configure(Level.CENTRAL, Optional.of("cn"), Optional.empty(), r));
    assertThat(named.reply().getValue().node().region()).contains("cn");
    assertThat(named.events()).hasSize(1);

    central.restart();
    assertThat(
            central
                .<StatusReply<NodeView>>runCommand(VacpNode.Get::new)
                .reply()
                .getValue()
                .region())
        .contains("cn");
  }

  @Test
  void anUnconfiguredVacpRefusesEverything() {
    var north = kit("north");
    assertThat(refusal(north.<StatusReply<NodeView>>runCommand(VacpNode.Get::new).reply()))
        .isEqualTo(ErrorCode.NOT_FOUND);
    var published =
        north.<StatusReply<Published>>runCommand(
            r -> new VacpNode.Publish(entry("c1", "north", 1, true), r));
    assertThat(refusal(published.reply())).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(published.hasNoEvents()).isTrue();
  }

  @Test
  void aRegionalVacpKeepsTheNewestRevisionOfWhatItIsSent() {
    spawn(VacpNode.CENTRAL_ID);
    var north = kit("north");
    north.<StatusReply<Configured>>runCommand(
        r -> new Configure(Level.REGIONAL, Optional.of("n"), Optional.of("central"), r));
    var newer =
        north.<StatusReply<VacpNode.SyncAck>>runCommand(
            r -> new VacpNode.Sync("central", List.of(entry("c1", "central", 2, true)), r));
    assertThat(newer.eventOfType(VacpNode.EntriesReceived.class).entries()).hasSize(1);
    var older =
        north.<StatusReply<VacpNode.SyncAck>>runCommand(
            r -> new VacpNode.Sync("central", List.of(entry("c1", "central", 1, true)), r));
    assertThat(older.hasNoEvents()).as("a late delivery changes nothing").isTrue();
    assertThat(older.reply().getValue().received()).containsExactly(new VacpNode.Delivery("c1", 1));
    var listed =
        north
            .<StatusReply<DirectoryView>>runCommand(VacpNode.ListDirectory::new)
            .reply()
            .getValue();
    assertThat(listed.entries()).extracting(DirectoryEntry::revision).containsExactly(2L);

    north.runCommand(
        (ActorRef<StatusReply<VacpNode.SyncAck>> r) ->
            new VacpNode.Sync("central", List.of(entry("c1", "central", 3, false)), r));
    north.runCommand(
        (ActorRef<StatusReply<VacpNode.SyncAck>> r) ->
            new VacpNode.Sync("central", List.of(entry("c1", "central", 2, true)), r));
    north.restart();
    assertThat(
            north
                .<StatusReply<DirectoryView>>runCommand(VacpNode.ListDirectory::new)
                .reply()
                .getValue()
                .entries())
        .as("withdrawn, and an older publication cannot bring it back")
        .isEmpty();
  }

  /**
   * The directory is read a page at a time, each page one message between nodes: 250 entries come
   * in pages of 100, 100 and 50, by capability id, every active entry once and no tombstone; a page
   * of the largest entries allowed (2 000-character descriptions of three-byte characters, 200-
   * character names, the longest ids) fits the frame with room for the envelope.
   */
  @Test
  void theDirectoryIsReadInPagesThatEachFitOneMessageBetweenNodes() {
    spawn(VacpNode.CENTRAL_ID);
    var north = kit("north");
    north.<StatusReply<Configured>>runCommand(
        r -> new Configure(Level.REGIONAL, Optional.of("n"), Optional.of("central"), r));
    List<DirectoryEntry> published = new ArrayList<>();
    for (int i = 0; i < 260; i++) {
      published.add(entry(String.format("c%03d", (i * 7) % 260), "central", 1, i % 26 != 0));
    }
    north.runCommand(
        (ActorRef<StatusReply<VacpNode.SyncAck>> r) -> new VacpNode.Sync("central", published, r));

    List<String> read = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      Optional<String> from = after;
      DirectoryView page =
          north
              .<StatusReply<DirectoryView>>runCommand(r -> new VacpNode.ListDirectory(from, r))
              .reply()
              .getValue();
      page.entries().forEach(e -> read.add(e.capabilityId()));
      pageSizes.add(page.entries().size());
      after = page.next();
    } while (after.isPresent());
    assertThat(pageSizes).containsExactly(100, 100, 50);
    List<String> active =
        published.stream()
            .filter(DirectoryEntry::active)
            .map(DirectoryEntry::capabilityId)
            .sorted()
            .toList();
    assertThat(read).hasSize(250).isEqualTo(active);

    String threeByteText = "\u8bf4".repeat(2000);
    List<DirectoryEntry> largest = new ArrayList<>();
    for (int i = 0; i < VacpNode.DIRECTORY_PAGE; i++) {
      String id = String.format("%064d", i);
      largest.add(
          new DirectoryEntry(
              id,
              "s".repeat(64),
              "\u540d".repeat(200),
              threeByteText,
              DirectoryEntry.Style.BOTH,
              "p".repeat(64),
              2,
              Optional.of("r".repeat(64)),
              "v".repeat(64),
              Long.MAX_VALUE,
              true));
    }
    var page =
        StatusReply.success(
            new DirectoryView(
                "v".repeat(64),
                Level.REGIONAL,
                largest,
                List.of("v".repeat(64)),
                Optional.of("c".repeat(64))));
    MessageFrames.assertFitsOneFrame(testKit.system(), page);
  }

  @Test
  void classOneCapabilitiesReachEveryRegionalVacpAlsoAcrossOutagesAndRestarts() {
    ActorRef<Command> central = spawn(VacpNode.CENTRAL_ID);
    ActorRef<Command> north = regional("north");
    ActorRef<Command> south = regional("south");

    Published first = success(publish(central, entry("c1", "central", 1, true)));
    assertThat(first.publishedTo()).containsExactlyInAnyOrder("north", "south");
    assertThat(directory(north)).containsExactly("c1@1");
    assertThat(directory(south)).containsExactly("c1@1");
    assertThat(directory(central)).containsExactly("c1@1");

    // South is down: central still answers (after the publish wait) and keeps the delivery.
    testKit.stop(south);
    entities.remove(VacpNode.KEY, "south");
    Published second = success(publish(central, entry("c1", "central", 2, true)));
    assertThat(second.publishedTo()).containsExactlyInAnyOrder("north", "south");
    assertThat(directory(north)).containsExactly("c1@2");

    // Central restarts from its journal while south is still down.
    testKit.stop(central);
    central = spawn(VacpNode.CENTRAL_ID);
    ActorRef<Command> southAgain = spawn("south");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> directory(southAgain).equals(List.of("c1@2")));

    // Withdrawal, and a late regional VACP gets what is active now.
    success(publish(central, entry("c2", "central", 1, true)));
    success(publish(central, entry("c1", "central", 3, false)));
    assertThat(directory(north)).containsExactly("c2@1");
    assertThat(directory(southAgain)).containsExactly("c2@1");
    ActorRef<Command> east = regional("east");
    await().atMost(Duration.ofSeconds(5)).until(() -> directory(east).equals(List.of("c2@1")));
    assertThat(
            success(VacpTesting.<Command, NodeView>ask(testKit, central, VacpNode.Get::new))
                .children())
        .containsExactly("north", "south", "east");
  }

  @Test
  void regionalCapabilitiesStayAtTheirVacp() {
    ActorRef<Command> central = spawn(VacpNode.CENTRAL_ID);
    ActorRef<Command> north = regional("north");
    ActorRef<Command> south = regional("south");
    assertThat(success(publish(north, entry("local", "north", 1, true))).publishedTo()).isEmpty();
    assertThat(directory(north)).containsExactly("local@1");
    assertThat(directory(south)).isEmpty();
    assertThat(directory(central)).isEmpty();
    assertThat(
            refusal(
                VacpTesting.<Command, NodeView>ask(
                    testKit, north, r -> new VacpNode.AttachChild("x", Optional.empty(), r))))
        .as("only the central VACP has children")
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }
}
