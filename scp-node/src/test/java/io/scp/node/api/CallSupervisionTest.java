package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Calls the front end abandons: never answered, never ended, and a node that stops mid-call. The
 * SCP closes them itself and no money stays frozen.
 */
class CallSupervisionTest {
  static final String TARIFF =
      "\"onNetRatePerMinute\":60,\"offNetRatePerMinute\":60,\"connectFee\":0,\"billingIncrementSeconds\":1,\"maxCallSeconds\":3600";
  // quota-seconds as a bare number, the way -Dscp.calls.quota-seconds=3 arrives: 3 s, not 3 ms
  static final Map<String, Object> FAST =
      Map.of(
          "scp.calls.answer-timeout",
          "2s",
          "scp.calls.end-grace",
          "1s",
          "scp.calls.quota-seconds",
          "3",
          "scp.prepaid.owner-check-interval",
          "1s",
          "scp.calls.postpaid-watch-interval",
          "1s");

  static String state(ApiClient api, String callId) {
    return api.get("/v1/calls/" + callId).json().get("state").asText();
  }

  /** The caller's one CDR, once the projection has written it. */
  static JsonNode onlyCdr(ApiClient api, String caller, Duration within) {
    await()
        .atMost(within)
        .until(() -> api.get("/v1/cdrs?msisdn=" + caller).json().get("cdrs").size() == 1);
    return api.get("/v1/cdrs?msisdn=" + caller).json().get("cdrs").get(0);
  }

  @Test
  void aCallNeverAnsweredIsReleasedAndItsMoneyReturned() {
    try (TestNode node = TestNode.start(FAST)) {
      var api = node.client();
      var vpn = new VpnFixture(api);
      String group = vpn.group(TARIFF);
      String caller = vpn.prepaid(1_000, "");
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());
      String callId = VpnFixture.newId("call");
      assertThat(vpn.setup(callId, caller, "2").get("grantedSeconds").asLong()).isEqualTo(3);
      assertThat(vpn.account(caller).get("reserved").asLong()).isEqualTo(3);
      await().atMost(Duration.ofSeconds(15)).until(() -> state(api, callId).equals("RELEASED"));
      var call = api.get("/v1/calls/" + callId).json();
      assertThat(call.get("cause").asText()).isEqualTo("NO_ANSWER");
      assertThat(call.get("charge").asLong()).isZero();
      vpn.assertSettled(caller);
      assertThat(vpn.account(caller).get("balance").asLong()).isEqualTo(1_000);
    }
  }

  @Test
  void aCallNeverEndedIsEndedChargingItsGrantedTime() {
    try (TestNode node = TestNode.start(FAST)) {
      var api = node.client();
      var vpn = new VpnFixture(api);
      String group = vpn.group(TARIFF);
      String caller = vpn.prepaid(1_000, "");
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());
      String callId = VpnFixture.newId("call");
      vpn.setup(callId, caller, "2");
      vpn.answer(callId);
      assertThat(vpn.quota(callId, 1, 2).get("totalGrantedSeconds").asLong()).isEqualTo(6);
      await().atMost(Duration.ofSeconds(20)).until(() -> state(api, callId).equals("ENDED"));
      var call = api.get("/v1/calls/" + callId).json();
      assertThat(call.get("cause").asText()).isEqualTo("SUPERVISION_TIMEOUT");
      assertThat(call.get("talkSeconds").asLong()).isEqualTo(6);
      assertThat(call.get("charge").asLong()).isEqualTo(6);
      vpn.assertSettled(caller);
      assertThat(vpn.account(caller).get("balance").asLong()).isEqualTo(994);
      var lateEnd = vpn.end(callId, 100);
      assertThat(lateEnd.get("charge").asLong())
          .as("a late end answers what was charged")
          .isEqualTo(6);
    }
  }

  @Test
  void aCallWhoseNodeStoppedIsClosedAfterTheRestartWithoutAnyRequest() {
    String callId = VpnFixture.newId("call");
    String caller;
    try (TestNode node = TestNode.start(FAST)) {
      var vpn = new VpnFixture(node.client());
      String group = vpn.group(TARIFF);
      caller = vpn.prepaid(1_000, "");
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());
      vpn.setup(callId, caller, "2");
      vpn.answer(callId);
    }
    try (TestNode restarted = TestNode.start(FAST)) {
      var api = restarted.client();
      var vpn = new VpnFixture(api);
      await()
          .atMost(Duration.ofSeconds(25))
          .until(
              () ->
                  vpn.account(caller).get("reserved").asLong() == 0
                      && vpn.account(caller).get("deducted").asLong() == 3);
      assertThat(state(api, callId)).isEqualTo("ENDED");
      vpn.assertSettled(caller);
    }
  }

  @Test
  void aPrepaidCallWhoseNodeStayedDownLongerThanItsReservationIsStillEndedAndCharged() {
    // Reservations of a call live answer-timeout + maxCallSeconds + end-grace + margin: 6 s here.
    var shortReservations = new HashMap<String, Object>(FAST);
    shortReservations.put("scp.calls.reservation-margin", "0s");
    String callId = VpnFixture.newId("call");
    String caller;
    Instant reservationExpiry;
    try (TestNode node = TestNode.start(shortReservations)) {
      var vpn = new VpnFixture(node.client());
      String group = vpn.group(TARIFF.replace("3600", "3"));
      caller = vpn.prepaid(1_000, "");
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());
      assertThat(vpn.setup(callId, caller, "2").get("grantedSeconds").asLong()).isEqualTo(3);
      vpn.answer(callId);
      var reservations = vpn.account(caller).get("reservations");
      assertThat(reservations).hasSize(1);
      reservationExpiry = Instant.parse(reservations.get(0).get("expiresAt").asText());
    }
    // The outage outlasts the reservation: the restarted account finds it past its expiry.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Instant.now().isAfter(reservationExpiry.plusSeconds(1)));
    try (TestNode restarted = TestNode.start(shortReservations)) {
      var api = restarted.client();
      var vpn = new VpnFixture(api);
      // Only the account and the CDR are read: asking for the call itself would start it.
      var cdr = onlyCdr(api, caller, Duration.ofSeconds(30));
      assertThat(cdr.get("callId").asText()).isEqualTo(callId);
      assertThat(cdr.get("cause").asText()).isEqualTo("SUPERVISION_TIMEOUT");
      assertThat(cdr.get("talkSeconds").asLong()).as("its granted time").isEqualTo(3);
      assertThat(cdr.get("charge").asLong()).as("charged, not released unpaid").isEqualTo(3);
      var account = vpn.account(caller);
      assertThat(account.get("deducted").asLong()).isEqualTo(3);
      assertThat(account.get("balance").asLong()).isEqualTo(997);
      vpn.assertSettled(caller);
    }
  }

  @Test
  void aPostpaidCallWhoseNodeStoppedIsClosedAfterTheRestartWithoutAnyRequest() {
    String callId = VpnFixture.newId("call");
    String caller;
    try (TestNode node = TestNode.start(FAST)) {
      var vpn = new VpnFixture(node.client());
      String group = vpn.group(TARIFF.replace("3600", "10"));
      caller = vpn.postpaid();
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());
      assertThat(vpn.setup(callId, caller, "2").get("prepaid").asBoolean()).isFalse();
      vpn.answer(callId);
    }
    Instant stopped = Instant.now();
    try (TestNode restarted = TestNode.start(FAST)) {
      var api = restarted.client();
      // Only the CDR is read: asking for the call itself would start it.
      var cdr = onlyCdr(api, caller, Duration.ofSeconds(40));
      assertThat(cdr.get("callId").asText()).isEqualTo(callId);
      assertThat(cdr.get("cause").asText()).isEqualTo("SUPERVISION_TIMEOUT");
      assertThat(cdr.get("talkSeconds").asLong()).as("its maximum duration").isEqualTo(10);
      assertThat(Instant.parse(cdr.get("endedAt").asText()))
          .as("ended by the restarted node")
          .isAfter(stopped);
    }
  }
}
