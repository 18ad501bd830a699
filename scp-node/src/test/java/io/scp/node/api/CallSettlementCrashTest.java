package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Cdr;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The window between a prepaid call's settlement on its account and the call's own close: the node
 * holding the call dies there, the front end retries the end. Money and CDR were written together
 * by the account, so the CDR exists before the call closes, and the retried end closes the call
 * with what the account charged — nothing is charged twice and nothing goes unrecorded.
 */
class CallSettlementCrashTest {
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
  void aRetriedEndAfterTheAccountSettledClosesTheCallWithWhatWasCharged() throws Exception {
    // on-net 1 per second, connect fee 10, 60 s increments
    String group = vpn.group(CallApiTest.TARIFF);
    String alice = vpn.prepaid(10_000, "");
    String bob = vpn.prepaid(10_000, "");
    vpn.join(group, "2001", alice);
    vpn.join(group, "2002", bob);
    String callId = VpnFixture.newId("call");
    vpn.setup(callId, alice, "2002");
    vpn.answer(callId);

    // What the call's first end (talk 100 s: 10 + 120 = 130) did on the account before its node
    // died: the slice charged and refunded, the CDR written with the money. The call never heard.
    String slice = "call:" + callId + ":1";
    PrepaidAccount.CallSettlement first =
        ClusterSharding.get(node.node().system())
            .entityRefFor(PrepaidAccount.KEY, "acc-" + alice)
            .<PrepaidAccount.CallSettlement>askWithStatus(
                r ->
                    new PrepaidAccount.SettleCall(
                        List.of(new PrepaidAccount.SliceCharge(slice, slice + ":charge", 130)),
                        cdr(callId, alice, bob, 130),
                        r),
                Duration.ofSeconds(10))
            .toCompletableFuture()
            .get();
    assertThat(first.charged()).isEqualTo(130);
    assertThat(call(callId).get("state").asText()).isEqualTo("ANSWERED");
    assertThat(vpn.account(alice).get("deducted").asLong()).isEqualTo(130);
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(callCdrs(alice)).hasSize(1));

    // the front end retries the end: the settlement is found done, nothing more is deducted
    JsonNode end = vpn.end(callId, 100);
    assertThat(end.get("state").asText()).isEqualTo("ENDED");
    assertThat(end.get("charge").asLong()).isEqualTo(130);
    assertThat(end.get("shortfall").asLong()).isZero();
    assertThat(call(callId).get("state").asText()).isEqualTo("ENDED");
    vpn.assertSettled(alice);
    assertThat(vpn.account(alice).get("deducted").asLong()).isEqualTo(130);
    List<JsonNode> cdrs = callCdrs(alice);
    assertThat(cdrs).hasSize(1);
    assertThat(cdrs.get(0).get("charge").asLong()).isEqualTo(130);
    assertThat(cdrs.get(0).get("talkSeconds").asLong()).isEqualTo(100);
  }

  private static JsonNode call(String callId) {
    var r = api.get("/v1/calls/" + callId);
    assertThat(r.status()).isEqualTo(200);
    return r.json();
  }

  private static List<JsonNode> callCdrs(String msisdn) {
    var r = api.get("/v1/cdrs?type=CALL&msisdn=" + msisdn);
    assertThat(r.status()).isEqualTo(200);
    return StreamSupport.stream(r.json().get("cdrs").spliterator(), false).toList();
  }

  private static Cdr cdr(String callId, String caller, String callee, long charge) {
    Instant now = Instant.now();
    return new Cdr(
        "call:" + callId,
        Cdr.Type.CALL,
        caller,
        Optional.of("acc-" + caller),
        Optional.of(callId),
        Optional.of(caller),
        Optional.of("2002"),
        Optional.of(callee),
        Optional.of(true),
        Optional.of("CONNECT"),
        Optional.empty(),
        now.minusSeconds(110),
        Optional.of(now.minusSeconds(100)),
        now,
        100,
        120,
        charge,
        0);
  }
}
