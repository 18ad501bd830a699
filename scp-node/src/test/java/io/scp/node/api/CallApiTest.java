package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.vpn.Tariff;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The VPN call flow through HTTP: every branch, every release cause, charging and idempotency. */
class CallApiTest {
  // on-net 60/min (1 per second), off-net 120/min, connect fee 10, 60 s increments
  static final String TARIFF =
      "\"name\":\"Acme\",\"onNetRatePerMinute\":60,\"offNetRatePerMinute\":120,\"connectFee\":10,"
          + "\"billingIncrementSeconds\":60,\"allowOffNet\":true,\"maxCallSeconds\":3600";
  static TestNode node;
  static ApiClient api;
  static VpnFixture vpn;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client();
    vpn = new VpnFixture(api);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void prepaidOnNetCallByShortNumberIsChargedAndSettled() {
    String group = vpn.group(TARIFF);
    String alice = vpn.prepaid(10_000, "");
    String bob = vpn.prepaid(10_000, "");
    vpn.join(group, "1001", alice);
    vpn.join(group, "1002", bob);
    String callId = VpnFixture.newId("call");

    JsonNode decision = vpn.setup(callId, alice, "1002");
    assertThat(decision.get("callId").asText()).isEqualTo(callId);
    assertThat(decision.get("decision").asText()).isEqualTo("CONNECT");
    assertThat(decision.get("cause").isNull()).isTrue();
    assertThat(decision.get("destination").asText()).isEqualTo(bob);
    assertThat(decision.get("onNet").asBoolean()).isTrue();
    assertThat(decision.get("prepaid").asBoolean()).isTrue();
    assertThat(decision.get("grantedSeconds").asLong()).isEqualTo(300);
    // 300 s on-net: connect fee 10 + 300 = 310 frozen
    assertThat(vpn.account(alice).get("reserved").asLong()).isEqualTo(310);
    assertThat(vpn.setup(callId, alice, "1002")).isEqualTo(decision);

    assertThat(vpn.answer(callId).get("state").asText()).isEqualTo("ANSWERED");
    JsonNode ended = vpn.end(callId, 61);
    assertThat(ended.get("state").asText()).isEqualTo("ENDED");
    assertThat(ended.get("talkSeconds").asLong()).isEqualTo(61);
    assertThat(ended.get("billedSeconds").asLong()).isEqualTo(120);
    assertThat(ended.get("charge").asLong()).isEqualTo(130);
    assertThat(ended.get("shortfall").asLong()).isZero();
    assertThat(vpn.end(callId, 61)).isEqualTo(ended);
    var otherEnd = api.post("/v1/calls/" + callId + "/end", "{\"talkSeconds\":999}");
    assertThat(otherEnd.status()).as("an end with another talk time is no replay").isEqualTo(409);
    assertThat(otherEnd.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    var answeredAgain = api.post("/v1/calls/" + callId + "/answer", "{}");
    assertThat(answeredAgain.status())
        .as("a replayed answer answers the call as it is")
        .isEqualTo(200);
    assertThat(answeredAgain.json().get("state").asText()).isEqualTo("ENDED");
    assertThat(answeredAgain.json().get("charge").asLong()).isEqualTo(130);

    JsonNode account = vpn.account(alice);
    assertThat(account.get("balance").asLong()).isEqualTo(10_000 - 130);
    assertThat(account.get("deducted").asLong()).isEqualTo(130);
    vpn.assertSettled(alice);

    JsonNode call = api.get("/v1/calls/" + callId).json();
    assertThat(call.get("state").asText()).isEqualTo("ENDED");
    assertThat(call.get("charge").asLong()).isEqualTo(130);
    assertThat(call.get("answeredAt").asText()).isNotBlank();
    assertThat(call.get("endedAt").asText()).isNotBlank();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.get("/v1/cdrs?msisdn=" + alice).json().get("cdrs").size() == 1);
    JsonNode cdr = api.get("/v1/cdrs?msisdn=" + alice).json().get("cdrs").get(0);
    for (String instant : List.of("startedAt", "answeredAt", "endedAt")) {
      assertThat(cdr.get(instant).asText())
          .as("the CDR's %s reads as the call's", instant)
          .isEqualTo(call.get(instant).asText());
    }
  }

  @Test
  void fullNumbersOfMembersAreOnNetOthersOffNet() {
    String group = vpn.group(TARIFF);
    String alice = vpn.prepaid(10_000, "");
    String bob = vpn.postpaid();
    vpn.join(group, "1", alice);
    vpn.join(group, "2", bob);

    JsonNode onNet = vpn.setup(VpnFixture.newId("call"), alice, bob);
    assertThat(onNet.get("onNet").asBoolean()).isTrue();
    assertThat(onNet.get("destination").asText()).isEqualTo(bob);

    String outside = "+4930123456";
    String offCall = VpnFixture.newId("call");
    JsonNode offNet = vpn.setup(offCall, alice, outside);
    assertThat(offNet.get("decision").asText()).isEqualTo("CONNECT");
    assertThat(offNet.get("onNet").asBoolean()).isFalse();
    assertThat(offNet.get("destination").asText()).isEqualTo("4930123456");
    vpn.answer(offCall);
    // off-net: 10 + 60 s at 120/min
    assertThat(vpn.end(offCall, 60).get("charge").asLong()).isEqualTo(130);
  }

  @Test
  void everyReleaseCause() {
    String barred = vpn.group(TARIFF.replace("\"allowOffNet\":true", "\"allowOffNet\":false"));
    String member = vpn.prepaid(10_000, "");
    vpn.join(barred, "10", member);
    assertReleased(member, "4930999999", "OFF_NET_BARRED");
    assertReleased(member, "77", "UNKNOWN_SHORT_NUMBER");
    assertReleased(member, "+10", "UNKNOWN_SHORT_NUMBER"); // '+': a full number, not short 10
    assertReleased(VpnFixture.newMsisdn(), "10", "UNKNOWN_SUBSCRIBER");
    assertReleased(vpn.prepaid(10_000, ""), "10", "NOT_VPN_MEMBER");

    String suspended = vpn.postpaid();
    vpn.join(barred, "11", suspended);
    api.put("/v1/subscribers/" + suspended, "{\"status\":\"SUSPENDED\"}");
    assertReleased(suspended, "10", "SUBSCRIBER_SUSPENDED");

    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    assertPrepaidReleased(
        barred,
        "20",
        vpn.prepaid(10_000, ",\"validUntil\":\"" + yesterday + "\""),
        "ACCOUNT_EXPIRED");
    assertPrepaidReleased(
        barred, "21", vpn.prepaid(50, ",\"minThreshold\":100"), "BELOW_THRESHOLD");
    String lost = vpn.prepaid(10_000, "");
    api.patch("/v1/accounts/acc-" + lost, "{\"lost\":true}");
    assertPrepaidReleased(barred, "22", lost, "ACCOUNT_LOST");
    String blocked = vpn.prepaid(10_000, "");
    api.patch("/v1/accounts/acc-" + blocked, "{\"blocked\":true}");
    assertPrepaidReleased(barred, "23", blocked, "ACCOUNT_BLOCKED");
    // one increment on-net costs 10 + 60 = 70
    assertPrepaidReleased(barred, "24", vpn.prepaid(69, ""), "INSUFFICIENT_FUNDS");
  }

  private void assertPrepaidReleased(
      String group, String shortNumber, String caller, String cause) {
    vpn.join(group, shortNumber, caller);
    assertReleased(caller, "10", cause);
    vpn.assertSettled(caller);
  }

  private void assertReleased(String caller, String called, String cause) {
    String callId = VpnFixture.newId("call");
    JsonNode d = vpn.setup(callId, caller, called);
    assertThat(d.get("decision").asText()).as(cause).isEqualTo("RELEASE");
    assertThat(d.get("cause").asText()).isEqualTo(cause);
    assertThat(d.get("grantedSeconds").asLong()).isZero();
    JsonNode call = api.get("/v1/calls/" + callId).json();
    assertThat(call.get("state").asText()).isEqualTo("RELEASED");
    assertThat(call.get("cause").asText()).isEqualTo(cause);
    var end = api.post("/v1/calls/" + callId + "/end", "{\"talkSeconds\":0}");
    assertThat(end.status()).isEqualTo(409);
    assertThat(end.code()).isEqualTo("CALL_ENDED");
  }

  @Test
  void postpaidCallsGetTheMaximumDurationAndAreChargedOnTheCdrOnly() {
    String group = vpn.group(TARIFF);
    String boss = vpn.postpaid();
    String peer = vpn.postpaid();
    vpn.join(group, "1", boss);
    vpn.join(group, "2", peer);
    String callId = VpnFixture.newId("call");
    JsonNode d = vpn.setup(callId, boss, "2");
    assertThat(d.get("decision").asText()).isEqualTo("CONNECT");
    assertThat(d.get("prepaid").asBoolean()).isFalse();
    assertThat(d.get("grantedSeconds").asLong()).isEqualTo(3600);
    JsonNode q = vpn.quota(callId, 1, 100);
    assertThat(q.get("grantedSeconds").asLong()).isZero();
    assertThat(q.get("cause").asText()).isEqualTo("MAX_CALL_DURATION");
    assertThat(q.get("totalGrantedSeconds").asLong())
        .isEqualTo(api.get("/v1/calls/" + callId).json().get("totalGrantedSeconds").asLong())
        .isEqualTo(3600);
    vpn.answer(callId);
    JsonNode ended = vpn.end(callId, 125);
    assertThat(ended.get("billedSeconds").asLong()).isEqualTo(180);
    assertThat(ended.get("charge").asLong()).isEqualTo(190);
    assertThat(ended.get("shortfall").asLong()).isZero();

    // a quota request replayed after the end answers as it first did (found by a kill-all
    // audit's replays: it was 409 CALL_ENDED for postpaid calls); a new one is refused
    assertThat(vpn.quota(callId, 1, 100)).isEqualTo(q);
    var late =
        api.post("/v1/calls/" + callId + "/quota", "{\"requestNumber\":2,\"usedSeconds\":125}");
    assertThat(late.status()).as(late.toString()).isEqualTo(409);
    assertThat(late.code()).isEqualTo("CALL_ENDED");
  }

  @Test
  void theLargestRatesForTheLongestTalkChargeTheCeilingInsteadOfFailing() {
    // 10^15 per minute for a week: the exact charge does not fit in a long
    String group =
        vpn.group(
            "\"onNetRatePerMinute\":1000000000000000,\"offNetRatePerMinute\":1000000000000000,"
                + "\"billingIncrementSeconds\":1,\"maxCallSeconds\":86400");
    String boss = vpn.postpaid();
    String peer = vpn.postpaid();
    vpn.join(group, "1", boss);
    vpn.join(group, "2", peer);
    String callId = VpnFixture.newId("call");
    assertThat(vpn.setup(callId, boss, "2").get("decision").asText()).isEqualTo("CONNECT");
    vpn.answer(callId);
    JsonNode ended = vpn.end(callId, 604_800);
    assertThat(ended.get("state").asText()).isEqualTo("ENDED");
    assertThat(ended.get("charge").asLong()).isEqualTo(Tariff.MAX_CHARGE);
    assertThat(vpn.end(callId, 604_800)).isEqualTo(ended);
  }

  @Test
  void quotaSlicesShrinkToWhatTheAccountCoversThenRunOut() {
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(500, "");
    String callee = vpn.postpaid();
    vpn.join(group, "1", caller);
    vpn.join(group, "2", callee);
    String callId = VpnFixture.newId("call");
    // first slice: 300 s cost 310, affordable
    assertThat(vpn.setup(callId, caller, "2").get("grantedSeconds").asLong()).isEqualTo(300);
    vpn.answer(callId);
    // 190 left: the next 300 s would cost 300, so three whole minutes (180)
    JsonNode q1 = vpn.quota(callId, 1, 280);
    assertThat(q1.get("grantedSeconds").asLong()).isEqualTo(180);
    assertThat(q1.get("totalGrantedSeconds").asLong()).isEqualTo(480);
    assertThat(q1.get("cause").isNull()).isTrue();
    assertThat(vpn.quota(callId, 1, 280)).as("replay of a quota request").isEqualTo(q1);
    var otherQuota =
        api.post("/v1/calls/" + callId + "/quota", "{\"requestNumber\":1,\"usedSeconds\":10}");
    assertThat(otherQuota.status())
        .as("a request number reused for another request")
        .isEqualTo(409);
    assertThat(otherQuota.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    // 10 left: not one increment
    JsonNode q2 = vpn.quota(callId, 2, 470);
    assertThat(q2.get("grantedSeconds").asLong()).isZero();
    assertThat(q2.get("totalGrantedSeconds").asLong()).isEqualTo(480);
    assertThat(q2.get("cause").asText()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(vpn.account(caller).get("reserved").asLong()).isEqualTo(490);

    JsonNode ended = vpn.end(callId, 400);
    assertThat(ended.get("charge").asLong()).isEqualTo(10 + 420);
    vpn.assertSettled(caller);
    assertThat(vpn.account(caller).get("balance").asLong()).isEqualTo(500 - 430);
  }

  @Test
  void anOverrunIsShortfallNeverANegativeBalance() {
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(320, "");
    String callee = vpn.postpaid();
    vpn.join(group, "1", caller);
    vpn.join(group, "2", callee);
    String callId = VpnFixture.newId("call");
    assertThat(vpn.setup(callId, caller, "2").get("grantedSeconds").asLong()).isEqualTo(300);
    vpn.answer(callId);
    JsonNode ended = vpn.end(callId, 900);
    // 900 s would cost 910; only 310 was reserved
    assertThat(ended.get("charge").asLong()).isEqualTo(310);
    assertThat(ended.get("shortfall").asLong()).isEqualTo(600);
    assertThat(vpn.account(caller).get("balance").asLong()).isEqualTo(10);
    vpn.assertSettled(caller);
  }

  @Test
  void anUnansweredCallCostsNothing() {
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(1_000, "");
    String callee = vpn.postpaid();
    vpn.join(group, "1", caller);
    vpn.join(group, "2", callee);
    String callId = VpnFixture.newId("call");
    vpn.setup(callId, caller, "2");
    var answerLate = api.post("/v1/calls/" + callId + "/end", "{\"talkSeconds\":30}").json();
    assertThat(answerLate.get("charge").asLong()).isZero();
    assertThat(answerLate.get("talkSeconds").asLong()).isZero();
    assertThat(api.post("/v1/calls/" + callId + "/end", "{\"talkSeconds\":30}").json())
        .as("a replay repeats the talk time the end carried, not the 0 it was charged for")
        .isEqualTo(answerLate);
    assertThat(vpn.account(caller).get("balance").asLong()).isEqualTo(1_000);
    vpn.assertSettled(caller);
    var answer = api.post("/v1/calls/" + callId + "/answer", "{}");
    assertThat(answer.status()).isEqualTo(409);
    assertThat(answer.code()).isEqualTo("CALL_ENDED");
  }

  @Test
  void retriesOfASetupInFlightGetTheSameDecisionAndOneReservation() throws Exception {
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(100_000, "");
    String callee = vpn.postpaid();
    vpn.join(group, "1", caller);
    vpn.join(group, "2", callee);
    String callId = VpnFixture.newId("call");
    List<CompletableFuture<JsonNode>> attempts = new ArrayList<>();
    for (int i = 0; i < 8; i++)
      attempts.add(CompletableFuture.supplyAsync(() -> vpn.setup(callId, caller, "2")));
    JsonNode first = attempts.get(0).get();
    for (var attempt : attempts) assertThat(attempt.get()).isEqualTo(first);
    assertThat(vpn.account(caller).get("reservations")).hasSize(1);
    assertThat(vpn.account(caller).get("reserved").asLong()).isEqualTo(310);

    var conflict =
        api.post(
            "/v1/calls",
            "{\"callId\":\"" + callId + "\",\"caller\":\"" + caller + "\",\"called\":\"3\"}");
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
  }

  @Test
  void unknownCallsAndBadInput() {
    String missing = VpnFixture.newId("call");
    assertThat(api.get("/v1/calls/" + missing).code()).isEqualTo("UNKNOWN_CALL");
    assertThat(api.post("/v1/calls/" + missing + "/answer", "{}").status()).isEqualTo(404);
    assertThat(
            api.post("/v1/calls", "{\"callId\":\"c\",\"caller\":\"12\",\"called\":\"1\"}").code())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(
            api.post(
                    "/v1/calls",
                    "{\"callId\":\"c\",\"caller\":\"8613800000000\",\"called\":\"12a\"}")
                .status())
        .isEqualTo(400);
    assertThat(api.post("/v1/calls", "{\"caller\":\"8613800000000\",\"called\":\"1\"}").status())
        .isEqualTo(400);
    assertThat(api.post("/v1/calls/x/quota", "{\"requestNumber\":0}").status()).isEqualTo(400);
    assertThat(api.post("/v1/calls/x/end", "{\"talkSeconds\":-1}").status()).isEqualTo(400);
  }
}
