package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Error;
import io.scp.api.proto.SubscriberProfile;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bearer tokens and roles when SCP_API_TOKENS is set. */
class AuthTest {
  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.api-tokens", "operator=op-secret-1,frontend=fe-secret-2"));
    anonymous = node.client();
    operator = anonymous.withToken("op-secret-1");
    frontend = anonymous.withToken("fe-secret-2");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void missingOrWrongTokenIs401() {
    var none = anonymous.get("/v1/accounts/x");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.code()).isEqualTo("UNAUTHENTICATED");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(anonymous.withToken("op-secret-").get("/v1/accounts/x").status()).isEqualTo(401);
    assertThat(
            anonymous
                .withHeader("Authorization", "Basic b3A6c2VjcmV0")
                .get("/v1/accounts/x")
                .status())
        .isEqualTo(401);
  }

  /** Which paths and methods exist is told only to a caller with a token. */
  @Test
  void unknownPathsAndMethodsNeedATokenToo() {
    assertThat(anonymous.get("/v1/no-such-thing").status()).isEqualTo(401);
    assertThat(anonymous.delete("/v1/accounts/x").status()).isEqualTo(401);
    var operator = anonymous.withToken("op-secret-1");
    assertThat(operator.get("/v1/no-such-thing").code()).isEqualTo("NOT_FOUND");
    assertThat(operator.delete("/v1/accounts/x").code()).isEqualTo("METHOD_NOT_ALLOWED");

    var madeUp = anonymous.withToken("made-up-token");
    assertThat(madeUp.get("/v1/no-such-thing").status()).isEqualTo(401);
    assertThat(madeUp.delete("/v1/accounts/x").status()).isEqualTo(401);
    var platform =
        operator.put(
            "/v1/vacp/platforms/pf-" + UUID.randomUUID(),
            "{\"name\":\"Weather\",\"serviceClass\":1,\"callbackUrl\":\"http://127.0.0.1:9/cb\"}");
    assertThat(platform.status()).as(platform.toString()).isEqualTo(201);
    var withKey = anonymous.withToken(platform.json().get("apiKey").asText());
    assertThat(withKey.get("/v1/no-such-thing").code())
        .as("a platform's key is a valid token")
        .isEqualTo("NOT_FOUND");
  }

  /** A protobuf client decodes every error as {@code scp.v1.Error}, refusals of its token too. */
  @Test
  void refusalsOfAProtobufRequestAreProtobuf() throws Exception {
    byte[] setup =
        CallSetup.newBuilder()
            .setCallId("c-" + UUID.randomUUID())
            .setCaller("8613800000001")
            .setCalled("1001")
            .build()
            .toByteArray();
    var none = anonymous.send("POST", "/v1/calls", setup, "application/x-protobuf");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("Content-Type")).startsWith("application/x-protobuf");
    assertThat(Error.parseFrom(none.body()).getCode()).isEqualTo("UNAUTHENTICATED");
    byte[] profile = SubscriberProfile.getDefaultInstance().toByteArray();
    var forbidden =
        frontend.send("PUT", "/v1/subscribers/8613900000078", profile, "application/x-protobuf");
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(Error.parseFrom(forbidden.body()).getCode()).isEqualTo("FORBIDDEN");
    // and JSON when Accept asks for it
    var json =
        anonymous
            .withHeader("Accept", "application/x-protobuf;q=0.5, application/json")
            .send("POST", "/v1/calls", setup, "application/x-protobuf");
    assertThat(json.code()).isEqualTo("UNAUTHENTICATED");
  }

  @Test
  void rolesDecideWhatACallerMayDo() {
    String acc = "acc-" + UUID.randomUUID();
    var byFrontend = frontend.put("/v1/accounts/" + acc, "{\"balance\":100}");
    assertThat(byFrontend.status()).isEqualTo(403);
    assertThat(byFrontend.code()).isEqualTo("FORBIDDEN");
    assertThat(operator.put("/v1/accounts/" + acc, "{\"balance\":100}").status()).isEqualTo(201);
    assertThat(
            frontend
                .post("/v1/accounts/" + acc + "/topups", "{\"topupId\":\"t\",\"amount\":1}")
                .status())
        .isEqualTo(403);
    assertThat(frontend.put("/v1/subscribers/8613900000077", "{}").status()).isEqualTo(403);

    var reserved =
        frontend.post(
            "/v1/accounts/" + acc + "/reservations", "{\"reservationId\":\"r\",\"amount\":10}");
    assertThat(reserved.status()).isEqualTo(201);
    assertThat(frontend.get("/v1/accounts/" + acc).status()).isEqualTo(200);
    // operators may do everything, including the front-end interfaces
    assertThat(operator.post("/v1/accounts/" + acc + "/reservations/r/refund", "{}").status())
        .isEqualTo(200);
  }

  @Test
  void withoutTokensTheNodeRefusesToBindBeyondLoopback() {
    var open =
        ConfigFactory.parseMap(Map.of("scp.api-tokens", "", "scp.http.host", "0.0.0.0"))
            .withFallback(ConfigFactory.load());
    assertThat(io.scp.node.NodeLauncherAccess.refusal(open))
        .hasValueSatisfying(m -> assertThat(m).contains("SCP_API_TOKENS"));
    var loopback =
        ConfigFactory.parseMap(Map.of("scp.api-tokens", "", "scp.http.host", "127.0.0.1"))
            .withFallback(ConfigFactory.load());
    assertThat(io.scp.node.NodeLauncherAccess.refusal(loopback)).isEmpty();
    var protectedOpen =
        ConfigFactory.parseMap(Map.of("scp.api-tokens", "operator=x", "scp.http.host", "0.0.0.0"))
            .withFallback(ConfigFactory.load());
    assertThat(io.scp.node.NodeLauncherAccess.refusal(protectedOpen)).isEmpty();
    var badSpec =
        ConfigFactory.parseMap(Map.of("scp.api-tokens", "admin=x", "scp.http.host", "127.0.0.1"))
            .withFallback(ConfigFactory.load());
    assertThat(io.scp.node.NodeLauncherAccess.refusal(badSpec))
        .hasValueSatisfying(m -> assertThat(m).contains("unknown role"));
  }
}
