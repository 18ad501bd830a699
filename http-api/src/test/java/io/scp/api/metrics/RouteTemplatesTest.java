package io.scp.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTemplatesTest {
  @Test
  void idsBecomeTheirPlaceholders() {
    assertThat(RouteTemplates.of("/v1/accounts/acc-1")).isEqualTo("/v1/accounts/{accountId}");
    assertThat(RouteTemplates.of("/v1/accounts/acc-1/reservations"))
        .isEqualTo("/v1/accounts/{accountId}/reservations");
    assertThat(RouteTemplates.of("/v1/accounts/a/reservations/r-9/deduct"))
        .isEqualTo("/v1/accounts/{accountId}/reservations/{reservationId}/deduct");
    assertThat(RouteTemplates.of("/v1/vacp/interworkings/8613/p1/c1"))
        .isEqualTo("/v1/vacp/interworkings/{msisdn}/{consumerPlatformId}/{capabilityId}");
  }

  @Test
  void literalsWinOverPlaceholders() {
    assertThat(RouteTemplates.of("/v1/vacp/tokens/verify")).isEqualTo("/v1/vacp/tokens/verify");
    assertThat(RouteTemplates.of("/v1/calls")).isEqualTo("/v1/calls");
    assertThat(RouteTemplates.of("/v1/ops/cluster")).isEqualTo("/v1/ops/cluster");
    assertThat(RouteTemplates.of("/v1/ops/sip-uri-pools/p1/audit"))
        .isEqualTo("/v1/ops/sip-uri-pools/{poolId}/audit");
    assertThat(RouteTemplates.of("/metrics")).isEqualTo("/metrics");
    assertThat(RouteTemplates.of("/v1/vacp/signing-keys/rotate"))
        .as("the project's own endpoints too (docs/vacp-invocations.md)")
        .isEqualTo("/v1/vacp/signing-keys/rotate");
    assertThat(RouteTemplates.of("/v1/vacp/routing/pf-1"))
        .isEqualTo("/v1/vacp/routing/{providerPlatformId}");
    assertThat(RouteTemplates.of("/v1/vacp/platforms/pf-1/api-key"))
        .isEqualTo("/v1/vacp/platforms/{platformId}/api-key");
  }

  @Test
  void anythingElseIsUnmatched() {
    assertThat(RouteTemplates.of("/")).isEqualTo(RouteTemplates.UNMATCHED);
    assertThat(RouteTemplates.of("/v1/accounts")).isEqualTo(RouteTemplates.UNMATCHED);
    assertThat(RouteTemplates.of("/v2/accounts/x")).isEqualTo(RouteTemplates.UNMATCHED);
    assertThat(RouteTemplates.of("/v1/accounts/x/y/z")).isEqualTo(RouteTemplates.UNMATCHED);
  }
}
