package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A few thousand seeded random calls (short and long talk, overruns, unanswered calls, quota
 * slices, retries) from parallel front ends: every account conserves money and ends with nothing
 * reserved, and the CDR charges of each caller equal what was deducted from its account.
 */
class CallConservationTest {
  static final int CALLERS = 40;
  static final int CALLS = 2_000;
  static final int FRONT_ENDS = 8;

  @Test
  void chargesOnCdrsEqualDeductionsAfterThousandsOfRandomCalls() throws Exception {
    try (TestNode node = TestNode.start()) {
      ApiClient api = node.client();
      VpnFixture vpn = new VpnFixture(api);
      String group =
          vpn.group(
              "\"onNetRatePerMinute\":7,\"offNetRatePerMinute\":13,\"connectFee\":3,"
                  + "\"billingIncrementSeconds\":10,\"allowOffNet\":true,\"maxCallSeconds\":900");
      List<String> callers = new ArrayList<>();
      for (int i = 0; i < CALLERS; i++) {
        // some accounts are poor so that slices shrink and run out
        String msisdn = vpn.prepaid(i % 5 == 0 ? 120 : 20_000, "");
        vpn.join(group, Integer.toString(100 + i), msisdn);
        callers.add(msisdn);
      }
      AtomicLong ended = new AtomicLong();
      ExecutorService frontEnds = Executors.newFixedThreadPool(FRONT_ENDS);
      List<Future<?>> work = new ArrayList<>();
      for (int f = 0; f < FRONT_ENDS; f++) {
        long seed = 1_000 + f;
        work.add(
            frontEnds.submit(
                () -> drive(api, callers, new Random(seed), CALLS / FRONT_ENDS, ended)));
      }
      for (Future<?> w : work) w.get();
      frontEnds.shutdown();
      assertThat(ended.get()).isGreaterThan(CALLS / 2);

      long totalDeducted = 0;
      for (String caller : callers) {
        vpn.assertSettled(caller);
        totalDeducted += vpn.account(caller).get("deducted").asLong();
      }
      long expected = totalDeducted;
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(cdrCharges(api, callers)).isEqualTo(expected));
      for (String caller : callers) {
        assertThat(cdrCharges(api, List.of(caller)))
            .as(caller)
            .isEqualTo(vpn.account(caller).get("deducted").asLong());
      }
    }
  }

  private static void drive(
      ApiClient api, List<String> callers, Random random, int calls, AtomicLong ended) {
    VpnFixture vpn = new VpnFixture(api);
    for (int i = 0; i < calls; i++) {
      String caller = callers.get(random.nextInt(callers.size()));
      String called = Integer.toString(100 + random.nextInt(callers.size()));
      String callId = VpnFixture.newId("cc");
      JsonNode decision = vpn.setup(callId, caller, called);
      if (random.nextInt(10) == 0) vpn.setup(callId, caller, called); // a retry
      if (!decision.get("decision").asText().equals("CONNECT")) continue;
      boolean answered = random.nextInt(10) != 0;
      if (answered) vpn.answer(callId);
      long granted = decision.get("grantedSeconds").asLong();
      if (answered && random.nextBoolean())
        granted += vpn.quota(callId, 1, granted).get("grantedSeconds").asLong();
      long talk =
          switch (random.nextInt(4)) {
            case 0 -> 1 + random.nextInt(10);
            case 1 -> granted;
            case 2 -> granted + 1 + random.nextInt(200); // overrun: shortfall
            default -> random.nextInt((int) Math.max(1, granted));
          };
      JsonNode end = vpn.end(callId, talk);
      if (random.nextInt(10) == 0) assertThat(vpn.end(callId, talk)).isEqualTo(end);
      ended.incrementAndGet();
    }
  }

  private static long cdrCharges(ApiClient api, List<String> callers) {
    long sum = 0;
    for (String caller : callers) {
      JsonNode page = api.get("/v1/cdrs?type=CALL&limit=1000&msisdn=" + caller).json();
      for (JsonNode cdr : page.get("cdrs")) {
        if (cdr.get("chargedParty").asText().equals(caller)) sum += cdr.get("charge").asLong();
      }
    }
    return sum;
  }
}
