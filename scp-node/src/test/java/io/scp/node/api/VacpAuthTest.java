package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** VACP authentication when SCP_API_TOKENS is set: operator tokens and platform keys apart. */
class VacpAuthTest {
  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;
  static StubPlatform stub;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.api-tokens", "operator=op-vacp-1,frontend=fe-vacp-2"));
    anonymous = node.client();
    operator = anonymous.withToken("op-vacp-1");
    frontend = anonymous.withToken("fe-vacp-2");
    stub = StubPlatform.start();
  }

  @AfterAll
  static void stop() {
    stub.close();
    node.close();
  }

  @Test
  void operatorTokensProvisionAndPlatformKeysActAsTheirPlatform() {
    String id = VacpFixture.newId("pf");
    String body = "{\"serviceClass\":1,\"callbackUrl\":\"" + stub.url() + "\"}";
    assertThat(anonymous.put("/v1/vacp/platforms/" + id, body).status()).isEqualTo(401);
    assertThat(frontend.put("/v1/vacp/platforms/" + id, body).status()).isEqualTo(403);
    var created = operator.put("/v1/vacp/platforms/" + id, body);
    assertThat(created.status()).isEqualTo(201);
    ApiClient platform = anonymous.withToken(created.json().get("apiKey").asText());
    assertThat(platform.get("/v1/vacp/platforms/" + id).status())
        .as("a platform key is not an operator token")
        .isEqualTo(401);

    String capability = "/v1/vacp/capabilities/" + VacpFixture.newId("cap");
    String spec = "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\",\"style\":\"PULL\"}";
    assertThat(operator.put(capability, spec).status())
        .as("platform endpoints need the platform's own key")
        .isEqualTo(401);
    assertThat(platform.put(capability, spec).status()).isEqualTo(201);

    assertThat(anonymous.get("/v1/vacp/capabilities").status()).isEqualTo(401);
    assertThat(anonymous.withToken("nonsense").get("/v1/vacp/capabilities").status())
        .isEqualTo(401);
    assertThat(platform.get("/v1/vacp/capabilities").status()).isEqualTo(200);
    assertThat(frontend.get("/v1/vacp/capabilities").status()).isEqualTo(200);
    assertThat(operator.get(capability).status()).isEqualTo(200);
  }

  @Test
  void aSuspendedPlatformMayStillReadTheDirectoryAndKeysButActsNoMore() {
    String id = VacpFixture.newId("pf");
    String settings = "{\"serviceClass\":1,\"callbackUrl\":\"" + stub.url() + "\"";
    var created = operator.put("/v1/vacp/platforms/" + id, settings + "}");
    assertThat(created.status()).isEqualTo(201);
    ApiClient platform = anonymous.withToken(created.json().get("apiKey").asText());
    String capabilityId = VacpFixture.newId("cap");
    String capability = "/v1/vacp/capabilities/" + capabilityId;
    String spec = "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\",\"style\":\"BOTH\"}";
    assertThat(platform.put(capability, spec).status()).isEqualTo(201);
    assertThat(
            operator
                .put("/v1/vacp/platforms/" + id, settings + ",\"status\":\"SUSPENDED\"}")
                .status())
        .isEqualTo(200);

    for (String read : List.of("/v1/vacp/capabilities", capability, "/v1/vacp/jwks")) {
      assertThat(platform.get(read).status()).as("read " + read).isEqualTo(200);
    }
    var acts =
        List.of(
            platform.put(capability, spec),
            platform.delete(capability),
            platform.post("/v1/vacp/tokens/verify", "{\"token\":\"x.y.z\"}"),
            platform.post(
                "/v1/vacp/tokens",
                "{\"msisdn\":\"8613900000009\",\"capability\":\"x\",\"purpose\":\"USE\"}"),
            platform.get("/v1/vacp/interworkings/8613900000009/" + id + "/" + capabilityId),
            platform.post(
                "/v1/vacp/invocations",
                "{\"invocationId\":\"i1\",\"msisdn\":\"8613900000009\",\"capability\":\"x\"}"),
            platform.get("/v1/vacp/events/" + VacpFixture.newId("ev")));
    for (var refused : acts) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
      assertThat(refused.code()).isEqualTo("FORBIDDEN");
    }
  }
}
