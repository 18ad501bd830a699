package io.scp.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The SCP_API_TOKENS setting: roles by token, and the settings refused at start-up. */
class ApiTokensTest {
  @Test
  void eachTokenHasItsRoleAndARoleMayHaveSeveralTokens() {
    var tokens = ApiTokens.parse("operator=T1, frontend=T2,frontend=T3,operator=T1");
    assertThat(tokens.enabled()).isTrue();
    assertThat(tokens.roleOf("T1")).contains(Role.OPERATOR);
    assertThat(tokens.roleOf("T2")).contains(Role.FRONTEND);
    assertThat(tokens.roleOf("T3")).contains(Role.FRONTEND);
    assertThat(tokens.roleOf("T4")).isEmpty();
    assertThat(ApiTokens.parse("").enabled()).isFalse();
  }

  @Test
  void aTokenWithTwoRolesAndMalformedEntriesAreRefused() {
    assertThatThrownBy(() -> ApiTokens.parse("operator=T1,frontend=T1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two roles")
        .hasMessageNotContaining("T1");
    assertThatThrownBy(() -> ApiTokens.parse("admin=T1")).hasMessageContaining("unknown role");
    assertThatThrownBy(() -> ApiTokens.parse("operator=")).hasMessageContaining("must look like");
    assertThatThrownBy(() -> ApiTokens.parse("operator")).hasMessageContaining("must look like");
  }
}
