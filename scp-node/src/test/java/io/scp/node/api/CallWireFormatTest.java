package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.scp.api.codec.ProtoJson;
import io.scp.api.proto.Call;
import io.scp.api.proto.CallDecision;
import io.scp.api.proto.CallEnd;
import io.scp.api.proto.CallEnded;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Empty;
import io.scp.api.proto.QuotaAnswer;
import io.scp.api.proto.QuotaRequest;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole call flow in protobuf answers exactly what it answers in JSON. */
class CallWireFormatTest {
  static final String PB = "application/x-protobuf";
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

  /** Sends one step of a JSON call and the same step of its protobuf twin; answers must match. */
  static void same(String jsonPath, String pbPath, Message body, Message answer, String... ignored)
      throws Exception {
    var json = api.send("POST", jsonPath, ProtoJson.encode(body), "application/json");
    var pb = api.send("POST", pbPath, body.toByteArray(), PB);
    assertThat(pb.status()).as(pb.toString()).isEqualTo(json.status()).isEqualTo(200);
    assertThat(
            normalized(
                ProtoJson.mapper()
                    .readTree(ProtoJson.encode(answer.getParserForType().parseFrom(pb.body()))),
                ignored))
        .isEqualTo(normalized(json.json(), ignored));
  }

  static JsonNode normalized(JsonNode node, String... ignored) {
    ObjectNode copy = node.deepCopy();
    for (String field : ignored) copy.remove(field);
    return copy;
  }

  @Test
  void setupAnswerQuotaEndAndReadInBothEncodings() throws Exception {
    String group =
        vpn.group(
            "\"onNetRatePerMinute\":60,\"offNetRatePerMinute\":60,\"connectFee\":10,\"billingIncrementSeconds\":60");
    String jsonCaller = vpn.prepaid(10_000, "");
    String pbCaller = vpn.prepaid(10_000, "");
    String callee = vpn.postpaid();
    vpn.join(group, "1", jsonCaller);
    vpn.join(group, "2", pbCaller);
    vpn.join(group, "3", callee);
    String a = VpnFixture.newId("j");
    String b = VpnFixture.newId("p");

    var jsonSetup =
        CallSetup.newBuilder().setCallId(a).setCaller(jsonCaller).setCalled("3").build();
    var pbSetup = CallSetup.newBuilder().setCallId(b).setCaller(pbCaller).setCalled("3").build();
    var jsonDecision =
        api.send("POST", "/v1/calls", ProtoJson.encode(jsonSetup), "application/json");
    var pbDecision =
        CallDecision.parseFrom(api.send("POST", "/v1/calls", pbSetup.toByteArray(), PB).body());
    assertThat(pbDecision.getDecision()).isEqualTo("CONNECT");
    assertThat(normalized(ProtoJson.mapper().readTree(ProtoJson.encode(pbDecision)), "callId"))
        .isEqualTo(normalized(jsonDecision.json(), "callId"));

    same(
        "/v1/calls/" + a + "/answer",
        "/v1/calls/" + b + "/answer",
        Empty.getDefaultInstance(),
        Call.getDefaultInstance(),
        "callId",
        "caller",
        "startedAt",
        "answeredAt");
    same(
        "/v1/calls/" + a + "/quota",
        "/v1/calls/" + b + "/quota",
        QuotaRequest.newBuilder().setRequestNumber(1).setUsedSeconds(290).build(),
        QuotaAnswer.getDefaultInstance());
    same(
        "/v1/calls/" + a + "/end",
        "/v1/calls/" + b + "/end",
        CallEnd.newBuilder().setTalkSeconds(301).build(),
        CallEnded.getDefaultInstance(),
        "callId");
    var ended =
        CallEnded.parseFrom(
            api.send(
                    "POST",
                    "/v1/calls/" + b + "/end",
                    CallEnd.newBuilder().setTalkSeconds(301).build().toByteArray(),
                    PB)
                .body());
    assertThat(ended.getCharge()).isEqualTo(10 + 360);

    var read = Call.parseFrom(api.withHeader("Accept", PB).get("/v1/calls/" + b).body());
    assertThat(read.getState()).isEqualTo("ENDED");
    assertThat(read.getTotalGrantedSeconds()).isEqualTo(600);
    assertThat(vpn.account(pbCaller).get("balance").asLong())
        .isEqualTo(vpn.account(jsonCaller).get("balance").asLong());
  }
}
