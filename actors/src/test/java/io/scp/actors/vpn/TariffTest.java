package io.scp.actors.vpn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TariffTest {
  // on-net 60 per minute (1 per second), off-net 120, connect fee 10, 30 s increments, max 1 h
  static final Tariff T = new Tariff("g", 60, 120, 10, 30, true, 3600);

  @ParameterizedTest(name = "t={0}s on-net -> billed {1}s, charge {2}")
  @CsvSource({
    "0, 0, 0", // unanswered: free, no connect fee
    "1, 30, 40", // one second is one whole increment plus the connect fee
    "29, 30, 40",
    "30, 30, 40", // exactly one increment
    "31, 60, 70", // one second past
    "60, 60, 70",
    "3600, 3600, 3610"
  })
  void chargeOnBoundaries(long talk, long billed, long charge) {
    assertThat(T.billedSeconds(talk)).isEqualTo(billed);
    assertThat(T.charge(talk, true)).isEqualTo(charge);
  }

  @Test
  void offNetUsesItsOwnRateAndRoundsMoneyUp() {
    assertThat(T.charge(30, false)).isEqualTo(10 + 60);
    var odd = new Tariff("g", 7, 7, 0, 1, true, 3600);
    assertThat(odd.charge(1, true)).isEqualTo(1); // ceil(7/60)
    assertThat(odd.charge(60, true)).isEqualTo(7);
    assertThat(odd.charge(61, true)).isEqualTo(8); // ceil(427/60)
  }

  @Test
  void zeroRatesCostOnlyTheConnectFeeOrNothing() {
    var free = new Tariff("g", 0, 0, 0, 60, true, 3600);
    assertThat(free.charge(500, true)).isZero();
    var feeOnly = new Tariff("g", 0, 0, 25, 60, true, 3600);
    assertThat(feeOnly.charge(1, false)).isEqualTo(25);
    assertThat(feeOnly.charge(0, false)).isZero();
  }

  @Test
  void slicesAddUpToTheChargeOfTheTotalGrantedTime() {
    long total = 0;
    long reserved = 0;
    for (int i = 0; i < 5; i++) {
      long slice = T.affordableSlice(total, 300, Long.MAX_VALUE, true);
      assertThat(slice).isEqualTo(300);
      reserved += T.sliceCost(total, total + slice, true);
      total += slice;
    }
    assertThat(reserved).isEqualTo(T.charge(total, true));
    assertThat(T.sliceCost(0, 300, true)).isEqualTo(310); // first slice carries the fee
  }

  @Test
  void aSliceShrinksToWholeIncrementsTheMoneyCovers() {
    // 300 s cost 310; 100 covers 10 + 90 s = three increments
    assertThat(T.affordableSlice(0, 300, 100, true)).isEqualTo(90);
    assertThat(T.affordableSlice(0, 300, 40, true)).isEqualTo(30);
    assertThat(T.affordableSlice(0, 300, 39, true)).isZero();
    // later slices pay no connect fee
    assertThat(T.affordableSlice(300, 300, 30, true)).isEqualTo(30);
  }

  @Test
  void slicesStopAtTheMaximumCallDuration() {
    assertThat(T.affordableSlice(3500, 300, Long.MAX_VALUE, true)).isEqualTo(100);
    assertThat(T.affordableSlice(3600, 300, Long.MAX_VALUE, true)).isZero();
  }

  @Test
  void aChargeTooLargeForALongStopsAtTheCeiling() {
    // the API's largest rate for a week of talk: 10^15 x 604 800 / 60 does not fit in a long
    long rate = 1_000_000_000_000_000L;
    var rich = new Tariff("rich", rate, rate, rate, 1, true, 86_400);
    assertThat(rich.charge(604_800, true)).isEqualTo(Tariff.MAX_CHARGE);
    assertThat(rich.charge(60, true)).isEqualTo(2 * rate); // fits: connect fee + one minute
    assertThat(rich.sliceCost(86_000, 86_400, false)).isZero(); // both at the ceiling
    assertThat(rich.affordableSlice(0, 300, Long.MAX_VALUE, true)).isEqualTo(300);
  }

  @Test
  void chargesNearTheCeilingAreExactNotCappedEarly() {
    long rate = 1_000_000_000_000_000L;
    // an hour's increment: 3 600 s x 10^15 overflows a long, the charge (61 x 10^15) does not
    var hourly = new Tariff("hourly", rate, rate, rate, 3_600, true, 86_400);
    assertThat(hourly.charge(1, true)).isEqualTo(61 * rate);
    // 1 200 s at 10^15 a minute: 20 x 10^15, plus the fee
    var perSecond = new Tariff("per-second", rate, rate, rate, 1, true, 86_400);
    assertThat(perSecond.charge(1_200, true)).isEqualTo(21 * rate);
    // a part of a minute is rounded up as before: 7 s at 7 a minute is 0.8166… → 1
    var small = new Tariff("small", 7, 7, 0, 1, true, 3_600);
    assertThat(small.charge(7, true)).isEqualTo(1);
    assertThat(small.charge(67, true)).isEqualTo(8); // 7.81…
    // 999 minutes at 10^15 is just under the ceiling; 1 001 passes it
    assertThat(perSecond.charge(999 * 60, true)).isEqualTo(1_000 * rate);
    assertThat(perSecond.charge(1_001 * 60, true)).isEqualTo(Tariff.MAX_CHARGE);
  }
}
