package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The bounds that keep an account's state and answers small, through the real HTTP API: at most
 * {@code scp.prepaid.max-open-reservations} open reservations (for clients and calls alike), and a
 * reservation's deductions remembered beyond {@code scp.prepaid.remembered-ids} by fingerprint only
 * — their replays still change nothing, also after a restart.
 */
class AccountLimitsApiTest {
  static final Map<String, Object> LIMITS =
      Map.of("scp.prepaid.max-open-reservations", "3", "scp.prepaid.remembered-ids", "5");

  static ApiClient.Response reserve(ApiClient api, String account, String id) {
    return api.post(
        "/v1/accounts/" + account + "/reservations",
        "{\"reservationId\":\"" + id + "\",\"amount\":100}");
  }

  static ApiClient.Response deduct(ApiClient api, String account, String deductionId, long amount) {
    return api.post(
        "/v1/accounts/" + account + "/reservations/session/deduct",
        "{\"deductionId\":\"" + deductionId + "\",\"amount\":" + amount + "}");
  }

  @Test
  void anAccountAtItsOpenReservationLimitRefusesAnotherReservationAndACall() {
    try (TestNode node = TestNode.start(LIMITS)) {
      ApiClient api = node.client();
      var vpn = new VpnFixture(api);
      String caller = vpn.prepaid(10_000, "");
      String account = "acc-" + caller;
      String group = vpn.group("\"onNetRatePerMinute\":6,\"offNetRatePerMinute\":6");
      vpn.join(group, "1", caller);
      vpn.join(group, "2", vpn.postpaid());

      for (int i = 1; i <= 3; i++) {
        var r = reserve(api, account, "r" + i);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
      }
      var refused = reserve(api, account, "r4");
      assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
      assertThat(refused.code()).isEqualTo("TOO_MANY_RESERVATIONS");
      assertThat(reserve(api, account, "r3").status()).as("a replay at the limit").isEqualTo(201);

      JsonNode released = vpn.setup(VpnFixture.newId("call"), caller, "2");
      assertThat(released.get("decision").asText()).isEqualTo("RELEASE");
      assertThat(released.get("cause").asText()).isEqualTo("TOO_MANY_RESERVATIONS");

      assertThat(api.post("/v1/accounts/" + account + "/reservations/r1/refund", "{}").status())
          .isEqualTo(200);
      JsonNode connected = vpn.setup(VpnFixture.newId("call"), caller, "2");
      assertThat(connected.get("decision").asText()).isEqualTo("CONNECT");
      JsonNode view = api.get("/v1/accounts/" + account).json();
      assertThat(view.get("reservations")).hasSize(3);
      assertThat(view.get("reserved").asLong())
          .as("r2, r3 and the call's slice")
          .isGreaterThan(200);
    }
  }

  @Test
  void deductionsBeyondTheWindowAreRecognisedByFingerprintAlsoAfterARestart() {
    String account = "acc-" + UUID.randomUUID();
    try (TestNode node = TestNode.start(LIMITS)) {
      ApiClient api = node.client();
      assertThat(api.put("/v1/accounts/" + account, "{\"balance\":1000}").status()).isEqualTo(201);
      assertThat(
              api.post(
                      "/v1/accounts/" + account + "/reservations",
                      "{\"reservationId\":\"session\",\"amount\":500}")
                  .status())
          .isEqualTo(201);
      for (int i = 1; i <= 30; i++) {
        var r = deduct(api, account, "d" + i, 3);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
      }
      assertReplaysChangeNothing(api, account);
    }
    try (TestNode restarted = TestNode.start(LIMITS)) {
      assertReplaysChangeNothing(restarted.client(), account);
      var next = deduct(restarted.client(), account, "d31", 3);
      assertThat(next.json().get("deducted").asLong()).isEqualTo(93);
    }
  }

  static void assertReplaysChangeNothing(ApiClient api, String account) {
    var old = deduct(api, account, "d1", 3);
    assertThat(old.status()).as(old.toString()).isEqualTo(200);
    assertThat(old.json().get("deducted").asLong()).isEqualTo(90);
    var oldOtherAmount = deduct(api, account, "d2", 7);
    assertThat(oldOtherAmount.status())
        .as("a forgotten deduction's amount is no longer compared")
        .isEqualTo(200);
    var kept = deduct(api, account, "d30", 7);
    assertThat(kept.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    JsonNode view = api.get("/v1/accounts/" + account).json();
    assertThat(view.get("deducted").asLong()).isEqualTo(90);
    assertThat(view.get("balance").asLong()).isEqualTo(910);
  }
}
