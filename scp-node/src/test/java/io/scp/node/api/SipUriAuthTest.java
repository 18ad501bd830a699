package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Roles of the SIP-URI endpoints: operators provision and look up, front ends allocate. */
class SipUriAuthTest {
  @Test
  void eachEndpointNeedsItsRole() {
    try (TestNode node =
        TestNode.start(Map.of("scp.api-tokens", "operator=op-token,frontend=fe-token"))) {
      ApiClient anonymous = node.client();
      ApiClient operator = anonymous.withToken("op-token");
      ApiClient frontend = anonymous.withToken("fe-token");
      String pool = "/v1/sip-uri-pools/auth-" + UUID.randomUUID();
      String range =
          "{\"range\":{\"from\":0,\"to\":1,\"template\":\"sip:{n}@" + UUID.randomUUID() + "\"}}";

      assertThat(anonymous.put(pool, "{}").status()).isEqualTo(401);
      assertThat(frontend.put(pool, "{}").status()).isEqualTo(403);
      assertThat(operator.put(pool, "{}").status()).isEqualTo(201);
      assertThat(frontend.post(pool + "/uris", range).status()).isEqualTo(403);
      assertThat(operator.post(pool + "/uris", range).status()).isEqualTo(200);

      assertThat(anonymous.post(pool + "/allocations", "{\"msisdn\":\"8613900000001\"}").status())
          .isEqualTo(401);
      var allocated = frontend.post(pool + "/allocations", "{\"msisdn\":\"8613900000001\"}");
      assertThat(allocated.status()).isEqualTo(200);
      assertThat(operator.post(pool + "/allocations", "{\"msisdn\":\"8613900000002\"}").status())
          .isEqualTo(200);
      assertThat(frontend.post(pool + "/allocations/8613900000001/call-ended", "{}").status())
          .isEqualTo(200);
      assertThat(frontend.post(pool + "/allocations/8613900000001/release", "{}").status())
          .isEqualTo(200);

      String uri = "/v1/sip-uris/" + allocated.json().get("uri").asText();
      assertThat(frontend.get(pool).status()).isEqualTo(403);
      assertThat(frontend.get(uri).status()).isEqualTo(403);
      assertThat(operator.get(pool).status()).isEqualTo(200);
      assertThat(operator.get(uri).status()).isEqualTo(200);
    }
  }
}
