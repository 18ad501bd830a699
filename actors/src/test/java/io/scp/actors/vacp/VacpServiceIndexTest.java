package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpServiceIndex.Candidate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VacpServiceIndexTest {
  /**
   * A {@code State} as the index snapshotted it before removals were kept apart: jackson-cbor bytes
   * produced by that code, "north" deregistered at revision 3 (an inactive entry), "south" live at
   * revision 2.
   */
  static final String LEGACY_STATE =
      "v2dlbnRyaWVzv2Vub3J0aL9sY2FwYWJpbGl0eUlkZW5vcnRoZ3NlcnZpY2Vnd2VhdGhlcmRuYW1laEZvcmVjYXN0a2Rl"
          + "c2NyaXB0aW9uYWRlc3R5bGVkUFVMTGpwbGF0Zm9ybUlkaHBmLW5vcnRobHNlcnZpY2VDbGFzcwJmcmVnaW9uZW5v"
          + "cnRoamhvbWVWYWNwSWRqdmFjcC1ub3J0aGhyZXZpc2lvbgNmYWN0aXZl9P9lc291dGi/bGNhcGFiaWxpdHlJZGVz"
          + "b3V0aGdzZXJ2aWNlZ3dlYXRoZXJkbmFtZWhGb3JlY2FzdGtkZXNjcmlwdGlvbmFkZXN0eWxlZFBVTExqcGxhdGZv"
          + "cm1JZGhwZi1zb3V0aGxzZXJ2aWNlQ2xhc3MCZnJlZ2lvbmVzb3V0aGpob21lVmFjcElkanZhY3Atc291dGhocmV2"
          + "aXNpb24CZmFjdGl2ZfX///8=";

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
    return entry(id, 2, Optional.of(region), revision, active, "d");
  }

  static DirectoryEntry entry(
      String id,
      int serviceClass,
      Optional<String> region,
      long revision,
      boolean active,
      String description) {
    return new DirectoryEntry(
        id,
        "weather",
        "Forecast",
        description,
        DirectoryEntry.Style.PULL,
        "pf-" + id,
        serviceClass,
        region,
        "vacp-" + region.orElse("central"),
        revision,
        active);
  }

  void put(DirectoryEntry entry) {
    success(kit.<StatusReply<Done>>runCommand(r -> new VacpServiceIndex.Put(entry, r)).reply());
  }

  boolean changes(DirectoryEntry entry) {
    return !kit.<StatusReply<Done>>runCommand(r -> new VacpServiceIndex.Put(entry, r))
        .hasNoEvents();
  }

  VacpServiceIndex.Listing listing(Optional<String> home) {
    return success(
        kit.<StatusReply<VacpServiceIndex.Listing>>runCommand(
                r -> new VacpServiceIndex.Get(home, r))
            .reply());
  }

  /** 2000 characters of text that differs from one capability to the next. */
  static String description(int seed) {
    byte[] bytes = new byte[1500];
    new java.util.Random(seed).nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  int serializedSize(Object message) {
    return SerializationExtension.get(testKit.system()).serialize(message).get().length;
  }

  @Test
  void theNewestRevisionOfEachCapabilityWinsAndSurvivesARestart() {
    put(entry("north", "north", 1, true));
    put(entry("south", "south", 2, true));
    put(entry("north", "north", 3, false));
    assertThat(changes(entry("north", "north", 2, true)))
        .as("an older revision changes nothing")
        .isFalse();

    kit.restart();
    var north = listing(Optional.of("north"));
    assertThat(north.service()).isEqualTo("weather");
    assertThat(north.candidates()).as("deregistered: not listed").isEmpty();
    assertThat(north.live()).isEqualTo(1);
    assertThat(north.regional()).isEqualTo(1);
    assertThat(listing(Optional.of("south")).candidates())
        .containsExactly(new Candidate("south", 2, Optional.of("south")));
    assertThat(kit.getState().entries()).containsOnlyKeys("south");
    assertThat(kit.getState().removed()).containsExactly(java.util.Map.entry("north", 3L));
    assertThat(changes(entry("north", "north", 2, true)))
        .as("the tombstone survives a restart")
        .isFalse();

    put(entry("north", "north", 4, true));
    assertThat(listing(Optional.of("north")).candidates())
        .as("registered again")
        .extracting(Candidate::capabilityId)
        .containsExactly("north");
    assertThat(kit.getState().removed()).isEmpty();
  }

  @Test
  void candidatesAreTheHomeRegionsThenTheNationwideOnes() {
    var national = entry("all", 1, Optional.empty(), 1, true, "d");
    var north = entry("north", "north", 1, true);
    var south = entry("south", "south", 1, true);
    assertThat(VacpServiceIndex.candidates(List.of(national, south, north), Optional.of("north")))
        .containsExactly(Candidate.of(north), Candidate.of(national));
    assertThat(VacpServiceIndex.candidates(List.of(south, north), Optional.of("west"))).isEmpty();
    assertThat(VacpServiceIndex.candidates(List.of(south, national), Optional.empty()))
        .containsExactly(Candidate.of(national));
  }

  /**
   * Years of capabilities registered and deregistered (with descriptions of 2000 characters) once
   * made a listing of megabytes, past Artery's 2 MiB frame: every invocation by the service's name
   * timed out. The listing holds the user's live candidates only, and the state the live entries
   * and the newest removals' ids and revisions.
   */
  @Test
  void aServiceWithThousandsOfDeregisteredCapabilitiesAnswersASmallListingOfItsLiveOnes() {
    put(entry("m-north", 2, Optional.of("north"), 1, true, description(-1)));
    put(entry("a-south", 2, Optional.of("south"), 1, true, description(-2)));
    put(entry("z-all", 1, Optional.empty(), 1, true, description(-3)));
    var history = new java.util.ArrayList<DirectoryEntry>();
    for (int i = 0; i < 3000; i++) {
      String id = String.format("old-%04d", i);
      Optional<String> region = Optional.of(i % 2 == 0 ? "north" : "south");
      put(entry(id, 2, region, 1, true, description(i)));
      var deregistered = entry(id, 2, region, 2, false, description(i));
      put(deregistered);
      history.add(deregistered);
    }
    assertThat(
            serializedSize(
                new VacpNode.DirectoryView(
                    "weather", VacpNode.Level.CENTRAL, history, List.of(), Optional.empty())))
        .as("what every listing carried before: more than a frame")
        .isGreaterThan(2 << 20);

    var listing = listing(Optional.of("north"));
    assertThat(listing.candidates())
        .extracting(Candidate::capabilityId, Candidate::serviceClass)
        .containsExactly(tuple("m-north", 2), tuple("z-all", 1));
    assertThat(listing.live()).isEqualTo(3);
    assertThat(listing.regional()).isEqualTo(2);
    assertThat(serializedSize(StatusReply.success(listing))).isLessThan(1024);
    assertThat(serializedSize(new Candidate("c".repeat(64), 2, Optional.of("r".repeat(64)))))
        .as("a candidate of the longest ids (docs/vacp-invocations.md: at most about 170 bytes)")
        .isLessThanOrEqualTo(170);

    var state = kit.getState();
    assertThat(state.entries()).containsOnlyKeys("m-north", "a-south", "z-all");
    assertThat(state.removed()).hasSize(VacpServiceIndex.KEPT_REMOVALS);
    assertThat(state.removed())
        .as("the newest removals are kept")
        .containsKey("old-2999")
        .doesNotContainKey("old-0000");
    assertThat(serializedSize(state)).isLessThan(64 * 1024);
    assertThat(changes(entry("old-2999", 2, Optional.of("north"), 1, true, "d")))
        .as("a late revision of a recent removal changes nothing")
        .isFalse();

    kit.restart();
    assertThat(kit.getState()).isEqualTo(state);
    assertThat(listing(Optional.of("north"))).isEqualTo(listing);
    assertThat(listing(Optional.of("south")).candidates())
        .extracting(Candidate::capabilityId)
        .containsExactly("a-south", "z-all");
  }

  @Test
  void aReaderMakesTheIndexForgetACapabilityThatNoLongerOffersTheService() {
    put(entry("renamed", "north", 1, true));
    var same = kit.runCommand(new VacpServiceIndex.Forget("renamed", 1));
    assertThat(same.hasNoEvents()).as("the index has that revision: it is the newest").isTrue();

    var forgotten = kit.runCommand(new VacpServiceIndex.Forget("renamed", 3));
    assertThat(forgotten.events())
        .containsExactly(new VacpServiceIndex.EntryForgotten("renamed", 3));
    assertThat(listing(Optional.of("north")).live()).isZero();
    assertThat(changes(entry("renamed", "north", 2, true))).isFalse();
    assertThat(kit.runCommand(new VacpServiceIndex.Forget("unknown", 1)).hasNoEvents()).isTrue();

    kit.restart();
    assertThat(listing(Optional.of("north")).live()).isZero();
    put(entry("renamed", "north", 4, true));
    assertThat(listing(Optional.of("north")).candidates())
        .as("renamed back")
        .extracting(Candidate::capabilityId)
        .containsExactly("renamed");
  }

  @Test
  void aSnapshotOfBeforeRemovalsWereKeptApartRecoversWithItsTombstones() throws Exception {
    var serialization = SerializationExtension.get(testKit.system());
    var state =
        (VacpServiceIndex.State)
            serialization
                .deserialize(
                    Base64.getDecoder().decode(LEGACY_STATE),
                    serialization.serializerFor(VacpServiceIndex.State.class).identifier(),
                    VacpServiceIndex.State.class.getName())
                .get();
    assertThat(state.entries()).containsOnlyKeys("south");
    assertThat(state.entries().get("south").revision()).isEqualTo(2);
    assertThat(state.removed()).containsExactly(java.util.Map.entry("north", 3L));
    assertThat(state.revisionOf("north")).isEqualTo(3);
  }
}
