package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.TestNode;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An audit that outlasts {@code scp.sip-uri.audit-timeout} is 503 and frees its place. */
class SipUriAuditTimeoutTest {
  private static final int ALLOCATED = 8;

  @Test
  void anAuditPastItsTimeoutIsUnavailableAndDoesNotBlockLaterOnes() {
    try (TestNode node = TestNode.start(Map.of("scp.sip-uri.audit-timeout", "1ms"))) {
      var api = node.client();
      String poolId = "audit-timeout-" + UUID.randomUUID();
      assertThat(api.put("/v1/sip-uri-pools/" + poolId, "{}").status()).isEqualTo(201);
      var add =
          api.post(
              "/v1/sip-uri-pools/" + poolId + "/uris",
              "{\"range\":{\"from\":0,\"to\":"
                  + (ALLOCATED - 1)
                  + ",\"template\":\"sip:u{n}@"
                  + poolId
                  + ".example.com\"}}");
      assertThat(add.status()).as(add.toString()).isEqualTo(200);
      // Every allocated URI is one more journal the audit reads: far more than 1 ms of work.
      for (int i = 0; i < ALLOCATED; i++) {
        var allocation =
            api.post(
                "/v1/sip-uri-pools/" + poolId + "/allocations",
                "{\"msisdn\":\"86138000000" + i + "\"}");
        assertThat(allocation.status()).as(allocation.toString()).isEqualTo(200);
      }
      // More than the audits that may run at once: each must have returned its place.
      for (int i = 0; i < 4; i++) {
        var r = api.get("/v1/ops/sip-uri-pools/" + poolId + "/audit");
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("UNAVAILABLE");
        assertThat(r.json().get("message").asText()).doesNotContain("running already");
      }
    }
  }
}
