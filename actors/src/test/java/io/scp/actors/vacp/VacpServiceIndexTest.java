package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VacpServiceIndexTest {
  ActorTestKit testKit;
  EventSourcedBehaviorTestKit<
          VacpServiceIndex.Command, VacpServiceIndex.Event, VacpServiceIndex.State>
      kit;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), VacpServiceIndex.create("weather"));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  static DirectoryEntry entry(String id, String region, long revision, boolean active) {
    return new DirectoryEntry(
        id,
        "weather",
        "Forecast",
        "d",
        DirectoryEntry.Style.PULL,
        "pf-" + id,
        2,
        Optional.of(region),
        "vacp-" + region,
        revision,
        active);
  }

  void put(DirectoryEntry entry) {
    success(kit.<StatusReply<Done>>runCommand(r -> new VacpServiceIndex.Put(entry, r)).reply());
  }

  VacpServiceIndex.Listing listing() {
    return success(
        kit.<StatusReply<VacpServiceIndex.Listing>>runCommand(VacpServiceIndex.Get::new).reply());
  }

  @Test
  void theNewestRevisionOfEachCapabilityWinsAndSurvivesARestart() {
    put(entry("north", "north", 1, true));
    put(entry("south", "south", 2, true));
    put(entry("north", "north", 3, false));
    var stale =
        kit.<StatusReply<Done>>runCommand(
            r -> new VacpServiceIndex.Put(entry("north", "north", 2, true), r));
    assertThat(stale.hasNoEvents()).as("an older revision changes nothing").isTrue();

    kit.restart();
    var listing = listing();
    assertThat(listing.service()).isEqualTo("weather");
    assertThat(listing.entries())
        .extracting(DirectoryEntry::capabilityId, DirectoryEntry::revision, DirectoryEntry::active)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("north", 3L, false),
            org.assertj.core.groups.Tuple.tuple("south", 2L, true));
  }

  @Test
  void candidatesAreTheHomeRegionsThenTheNationwideOnes() {
    var national =
        new DirectoryEntry(
            "all",
            "weather",
            "n",
            "d",
            DirectoryEntry.Style.PULL,
            "pf-all",
            1,
            Optional.empty(),
            "central",
            1,
            true);
    var north = entry("north", "north", 1, true);
    var south = entry("south", "south", 1, true);
    assertThat(
            VacpAccess.candidates(java.util.List.of(national, south, north), Optional.of("north")))
        .containsExactly(north, national);
    assertThat(VacpAccess.candidates(java.util.List.of(south, north), Optional.of("west")))
        .isEmpty();
    assertThat(VacpAccess.candidates(java.util.List.of(south, national), Optional.empty()))
        .containsExactly(national);
  }
}
