package io.scp.persistence.sipuri;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.Secret;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.sipuri.UriSegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The replay of hand-made journals: histories the model allows pass, and histories where two users
 * hold one URI (or the slot and the pool disagree) are reported, so the audit can fail.
 */
class SipUriExclusivityTest {
  static final String POOL = "p1";
  static final Instant T = Instant.parse("2025-01-01T00:00:00Z");
  static final String U0 = "sip:u0@audit.example.com";
  static final String U1 = "sip:u1@audit.example.com";

  /** A pool of 3 URIs sip:u0.. sip:u2 at positions 0..2; the next ordering is 3. */
  static SipUriExclusivity pool() {
    var check = new SipUriExclusivity(POOL);
    check.pool(1, new SipUriPool.PoolConfigured(SipUriPool.Strategy.ROUND_ROBIN, 300));
    check.pool(
        2,
        new SipUriPool.UrisAdded(
            new UriSegment.Range("sip:u{n}@audit.example.com", 0, 0, 3), new long[0]));
    return check;
  }

  static SipUriPool.UriAllocated allocated(int position, String msisdn, long allocation) {
    return new SipUriPool.UriAllocated(position, msisdn, allocation, T);
  }

  static SipUriPool.UriReleased poolReleased(int position, String msisdn, long allocation) {
    return new SipUriPool.UriReleased(position, msisdn, allocation);
  }

  /** A slot journal under construction. */
  static final class Slot {
    final List<SipUriExclusivity.Entry<Object>> entries = new ArrayList<>();

    Slot(long ordering, String poolId, int position) {
      add(ordering, new SipUriSlot.SlotClaimed(poolId, position, new Secret("pw")));
    }

    Slot bound(long ordering, String msisdn, long allocation) {
      return add(ordering, new SipUriSlot.UriBound(msisdn, allocation, T, Optional.empty()));
    }

    Slot released(long ordering, long allocation) {
      return add(ordering, new SipUriSlot.UriReleased(allocation, T));
    }

    Slot add(long ordering, Object event) {
      entries.add(new SipUriExclusivity.Entry<>(ordering, event));
      return this;
    }
  }

  @Test
  void aHistoryTheModelAllowsPassesWithItsCounts() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(14, poolReleased(0, "a", 1));
    // Allocation 2: its Hold never reached the slot, the Unbind did.
    check.pool(15, allocated(0, "b", 2));
    check.pool(17, poolReleased(0, "b", 2));
    // Allocation 3: released on the slot, the pool crashed before recording it.
    check.pool(18, allocated(0, "c", 3));
    check.pool(21, allocated(1, "d", 4));
    check.pool(22, new SipUriPool.ReleaseScheduled("d", 4, T));
    assertThat(check.allocatedUris()).containsExactly(U0, U1);

    check.slot(
        U0,
        new Slot(4, POOL, 0)
            .bound(11, "a", 1)
            .released(13, 1)
            .released(16, 2)
            .bound(19, "c", 3)
            .released(20, 3)
            .entries);
    // Allocation 4 released on the slot after the pool journal was read; allocation 5 made then.
    check.slot(
        U1,
        new Slot(5, POOL, 1)
            .bound(23, "d", 4)
            .add(24, new SipUriSlot.ReleaseScheduled(4, T))
            .released(30, 4)
            .bound(32, "e", 5)
            .entries);

    var report = check.report();
    assertThat(report.violations()).isEmpty();
    assertThat(report.passed()).isTrue();
    assertThat(report).isEqualTo(new SipUriExclusivity.Report(POOL, 9, 4, 2, 2, 2, List.of()));
  }

  @Test
  void twoAllocationsOfOnePositionWithoutReleaseAreReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(11, allocated(0, "b", 2));
    check.pool(12, poolReleased(0, "a", 1));
    check.pool(13, poolReleased(0, "b", 2));

    var report = check.report();
    assertThat(report.passed()).isFalse();
    assertThat(report.violations())
        .singleElement()
        .asString()
        .contains("two users hold one URI", "position 0", U0, "allocation 2 (b)", "(a)");
    assertThat(report.held()).isZero();
  }

  @Test
  void aSlotBoundTwiceIsReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(20, poolReleased(0, "a", 1));
    check.pool(21, allocated(0, "b", 2));
    // The slot never released allocation 1 before binding allocation 2.
    check.slot(U0, new Slot(4, POOL, 0).bound(11, "a", 1).bound(22, "b", 2).entries);

    assertThat(check.report().violations())
        .anySatisfy(
            v ->
                assertThat(v)
                    .contains(
                        "slot " + U0,
                        "two users hold one URI",
                        "allocation 2 (b)",
                        "allocation 1"));
  }

  @Test
  void aReleaseOfAPositionNotHeldByItsAllocationIsReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(11, poolReleased(1, "a", 1));
    check.pool(12, poolReleased(2, "z", 9));

    assertThat(check.report().violations())
        .hasSize(2)
        .allSatisfy(v -> assertThat(v).contains("which does not hold it"));
    assertThat(check.report().held()).isEqualTo(1);
  }

  @Test
  void aUserGettingASecondUriAndANumberNotGrowingAreReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 2));
    check.pool(11, allocated(1, "a", 1));

    assertThat(check.report().violations())
        .hasSize(2)
        .anySatisfy(v -> assertThat(v).contains("not numbered above allocation 2"))
        .anySatisfy(v -> assertThat(v).contains("a holds position 0"));
  }

  @Test
  void thePoolReleasingBeforeItsSlotIsReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(12, poolReleased(0, "a", 1));
    check.slot(U0, new Slot(4, POOL, 0).bound(11, "a", 1).released(13, 1).entries);

    assertThat(check.report().violations())
        .singleElement()
        .asString()
        .contains("released allocation 1 (a) before its slot did");
  }

  @Test
  void aSlotStillBoundToAnAllocationThePoolReleasedIsReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(12, poolReleased(0, "a", 1));
    check.slot(U0, new Slot(4, POOL, 0).bound(11, "a", 1).entries);

    assertThat(check.report().violations())
        .singleElement()
        .asString()
        .contains("still bound to allocation 1 (a), which the pool released");
  }

  @Test
  void onlyTheFirstDisagreementOfASlotIsReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(13, poolReleased(0, "a", 1));
    check.pool(14, allocated(0, "b", 2));
    check.slot(
        U0, new Slot(4, POOL, 0).bound(11, "x", 1).released(12, 1).bound(15, "y", 2).entries);

    assertThat(check.report().violations())
        .singleElement()
        .asString()
        .contains("disagrees", "bound allocation 1 to x, the pool allocated it to a");
  }

  @Test
  void lateBindsAndForeignSlotsAreReported() {
    var check = pool();
    check.pool(10, allocated(0, "a", 1));
    check.pool(13, poolReleased(0, "a", 1));
    check.pool(14, allocated(1, "b", 2));
    check.slot(
        U0, new Slot(4, POOL, 0).bound(11, "a", 1).released(12, 1).bound(16, "a", 1).entries);
    check.slot(U1, new Slot(5, "other-pool", 1).entries);

    assertThat(check.report().violations())
        .anySatisfy(v -> assertThat(v).contains("after it had ended allocation 1"))
        .anySatisfy(v -> assertThat(v).contains("claimed by pool other-pool"));
  }

  @Test
  void manyViolationsAreCountedBeyondTheListed() {
    var check = pool();
    for (int i = 1; i <= SipUriExclusivity.MAX_LISTED + 5; i++) {
      check.pool(10 + i, allocated(0, "m" + i, i));
    }
    var violations = check.report().violations();
    assertThat(violations).hasSize(SipUriExclusivity.MAX_LISTED + 1);
    assertThat(violations.get(SipUriExclusivity.MAX_LISTED))
        .isEqualTo("4 more violations not listed");
  }
}
