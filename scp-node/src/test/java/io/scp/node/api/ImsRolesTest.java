package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who may call the IMS endpoints: operators provision, front ends register, anyone reads. */
class ImsRolesTest {
  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.api-tokens", "operator=op-secret,frontend=fe-secret"));
    anonymous = node.client();
    operator = anonymous.withToken("op-secret");
    frontend = anonymous.withToken("fe-secret");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void operatorsProvisionFrontEndsRegisterAnyoneReads() {
    String imsi = ImsApiTest.newImsi();
    String subscriber = "/v1/ims/subscribers/" + imsi;
    String profile = "{\"msisdn\":\"8613800138000\",\"mcc\":\"460\",\"mnc\":\"01\"}";
    String volte = ImsApiTest.impi(imsi, "001");
    String registration = "{\"impi\":\"" + volte + "\",\"contact\":\"sip:ue@10.0.0.1\"}";

    assertThat(anonymous.get(subscriber).status()).isEqualTo(401);
    assertThat(anonymous.post("/v1/ims/register", registration).status()).isEqualTo(401);

    var refused = frontend.put(subscriber, profile);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.code()).isEqualTo("FORBIDDEN");
    assertThat(frontend.put(subscriber + "/services/001", "{\"name\":\"VoLTE\"}").status())
        .isEqualTo(403);

    assertThat(operator.put(subscriber, profile).status()).isEqualTo(201);
    assertThat(operator.put(subscriber + "/services/001", "{\"name\":\"VoLTE\"}").status())
        .isEqualTo(201);

    assertThat(frontend.post("/v1/ims/register", registration).status()).isEqualTo(200);
    assertThat(frontend.get(subscriber).status()).isEqualTo(200);
    assertThat(frontend.get("/v1/ims/impi?imsi=" + imsi + "&mcc=460&mnc=01").status())
        .isEqualTo(200);
    assertThat(frontend.delete(subscriber + "/services/001").status()).isEqualTo(403);
    assertThat(frontend.post("/v1/ims/deregister", "{\"impi\":\"" + volte + "\"}").status())
        .isEqualTo(200);

    assertThat(operator.post("/v1/ims/register", registration).status()).isEqualTo(200);
    assertThat(operator.delete(subscriber + "/services/001").status()).isEqualTo(200);
  }
}
