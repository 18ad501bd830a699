package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAcrossChecksTest {
  @Test
  void onlyIdsOpenAtTwoConsecutiveChecksAreTold() {
    var checks = new OpenAcrossChecks();
    assertThat(checks.check(List.of("a", "b"))).as("nothing was open before").isEmpty();
    assertThat(checks.check(List.of("b", "c"))).as("a closed, c is new").containsExactly("b");
    assertThat(checks.check(List.of())).isEmpty();
  }

  @Test
  void whatIsOpenOnRecoveryIsToldAtTheFirstCheck() {
    var checks = new OpenAcrossChecks();
    checks.recovered(List.of("a", "b"));
    assertThat(checks.check(List.of("a", "c"))).containsExactly("a");
  }
}
