package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.scp.api.codec.ProtoJson;
import io.scp.api.proto.Account;
import io.scp.api.proto.AccountTerms;
import io.scp.api.proto.AuthenticateRequest;
import io.scp.api.proto.AuthenticateResult;
import io.scp.api.proto.DeductRequest;
import io.scp.api.proto.Error;
import io.scp.api.proto.RefundResult;
import io.scp.api.proto.Reservation;
import io.scp.api.proto.ReserveRequest;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same commands over JSON and over protobuf give the same answers. */
class WireFormatParityTest {
  static final String PB = "application/x-protobuf";
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** Sends {@code body} once as JSON to one account and once as protobuf to a twin account. */
  record Pair(ApiClient.Response json, ApiClient.Response protobuf) {}

  static Pair both(String jsonPath, String pbPath, Message body) {
    var json = api.send("POST", jsonPath, ProtoJson.encode(body), "application/json");
    var pb = api.send("POST", pbPath, body.toByteArray(), PB);
    return new Pair(json, pb);
  }

  static <T extends Message> void assertSame(Pair pair, T prototype, String... ignoredFields)
      throws Exception {
    assertThat(pair.protobuf().status()).isEqualTo(pair.json().status());
    assertThat(pair.protobuf().header("Content-Type")).startsWith(PB);
    var fromPb = asJson(prototype.getParserForType().parseFrom(pair.protobuf().body()));
    var fromJson = pair.json().json().deepCopy();
    for (String field : ignoredFields) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) fromPb).remove(field);
      ((com.fasterxml.jackson.databind.node.ObjectNode) fromJson).remove(field);
    }
    assertThat(fromPb).isEqualTo(fromJson);
  }

  /** The protobuf answer printed as the JSON encoding would print it. */
  static com.fasterxml.jackson.databind.JsonNode asJson(Message message) throws Exception {
    return ProtoJson.mapper().readTree(ProtoJson.encode(message));
  }

  @Test
  void prepaidInterfacesAnswerAlikeInBothEncodings() throws Exception {
    String a = "acc-" + UUID.randomUUID();
    String b = "acc-" + UUID.randomUUID();
    var terms =
        AccountTerms.newBuilder().setBalance(5000).setMinThreshold(10).setCurrency("CNY").build();
    var opened =
        new Pair(
            api.send("PUT", "/v1/accounts/" + a, ProtoJson.encode(terms), "application/json"),
            api.send("PUT", "/v1/accounts/" + b, terms.toByteArray(), PB));
    assertThat(opened.json().status()).isEqualTo(201);
    assertSame(opened, Account.getDefaultInstance(), "accountId");

    assertSame(
        both(
            "/v1/accounts/" + a + "/authenticate",
            "/v1/accounts/" + b + "/authenticate",
            AuthenticateRequest.newBuilder().setAmount(100).build()),
        AuthenticateResult.getDefaultInstance());

    var reserve = ReserveRequest.newBuilder().setReservationId("r1").setAmount(1200).build();
    Pair reserved =
        both("/v1/accounts/" + a + "/reservations", "/v1/accounts/" + b + "/reservations", reserve);
    assertThat(reserved.json().status()).isEqualTo(201);
    assertSame(reserved, Reservation.getDefaultInstance(), "expiresAt");

    var deduct = DeductRequest.newBuilder().setDeductionId("d1").setAmount(700).build();
    assertSame(
        both(
            "/v1/accounts/" + a + "/reservations/r1/deduct",
            "/v1/accounts/" + b + "/reservations/r1/deduct",
            deduct),
        Reservation.getDefaultInstance(),
        "expiresAt");

    var tooMuch = DeductRequest.newBuilder().setDeductionId("d2").setAmount(501).build();
    Pair refused =
        both(
            "/v1/accounts/" + a + "/reservations/r1/deduct",
            "/v1/accounts/" + b + "/reservations/r1/deduct",
            tooMuch);
    assertThat(refused.json().status()).isEqualTo(409);
    assertSame(refused, Error.getDefaultInstance());

    assertSame(
        both(
            "/v1/accounts/" + a + "/reservations/r1/refund",
            "/v1/accounts/" + b + "/reservations/r1/refund",
            io.scp.api.proto.Empty.getDefaultInstance()),
        RefundResult.getDefaultInstance());

    var accountA = api.get("/v1/accounts/" + a).json();
    var accountB =
        asJson(Account.parseFrom(api.withHeader("Accept", PB).get("/v1/accounts/" + b).body()));
    ((com.fasterxml.jackson.databind.node.ObjectNode) accountA).remove("accountId");
    ((com.fasterxml.jackson.databind.node.ObjectNode) accountB).remove("accountId");
    assertThat(accountB).isEqualTo(accountA);
    assertThat(accountA.get("balance").asLong()).isEqualTo(4300);
  }

  @Test
  void acceptHeaderChoosesTheAnswerEncoding() throws Exception {
    String a = "acc-" + UUID.randomUUID();
    var terms = AccountTerms.newBuilder().setBalance(10).build();
    var r =
        api.withHeader("Accept", "application/json")
            .send("PUT", "/v1/accounts/" + a, terms.toByteArray(), PB);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.json().get("balance").asLong()).isEqualTo(10);
    var pbAnswer = api.withHeader("Accept", PB).get("/v1/accounts/" + a);
    assertThat(Account.parseFrom(pbAnswer.body()).getBalance()).isEqualTo(10);
  }
}
