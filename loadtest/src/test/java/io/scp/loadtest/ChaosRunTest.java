package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run of CI: a database and three real node processes, prepaid call traffic over
 * all of them, three SIGKILLs with restarts in about two minutes, then every invariant. The long
 * run is {@code java -jar loadtest/target/loadtest.jar chaos --duration 5m}.
 */
class ChaosRunTest {
  @Test
  void nothingAcknowledgedIsLostWhenNodesAreKilled() throws Exception {
    Path jar = Path.of("..", "scp-node", "target", "scp-node.jar").toAbsolutePath().normalize();
    assertThat(Files.exists(jar))
        .as("the node's fat jar is built before this module: %s", jar)
        .isTrue();
    var settings =
        new ChaosRunner.Settings(
            jar,
            Path.of("target", "chaos", "run-" + System.currentTimeMillis()).toAbsolutePath(),
            Path.of("target", "chaos-report").toAbsolutePath(),
            3,
            Duration.ofSeconds(120),
            Duration.ofSeconds(30),
            15,
            150,
            5);
    ChaosRunner.Outcome outcome = new ChaosRunner(settings, System.out).run();

    assertThat(outcome.kills()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(outcome.findings().violations()).isEmpty();
    assertThat(outcome.findings().acknowledgedEnds()).isGreaterThan(500);
    assertThat(outcome.findings().deducted()).isEqualTo(outcome.findings().cdrCharges());
    assertThat(outcome.errorRateOutside()).as("error rate outside kill windows").isLessThan(0.001);
    assertThat(outcome.sipUriAudit().pools()).isEqualTo(ChaosRunner.SIP_URI_POOLS);
    assertThat(outcome.sipUriAudit().violations()).as("SIP-URI exclusivity").isEmpty();
    assertThat(outcome.sipUriAudit().allocations())
        .as("allocations seen in the journal")
        .isGreaterThan(100);
    assertThat(outcome.sipUri().errorRateOutside())
        .as("SIP-URI error rate outside kill windows")
        .isLessThan(0.001);
    // Recovery time is a speed figure: reported (target/chaos-report, docs/operations.md) and
    // judged by the chaos command against the 20 s bar, not asserted in a timed test. Here: it
    // recovers.
    for (ChaosRunner.Kill kill : outcome.kills()) {
      assertThat(kill.recoverySeconds())
          .as("every account answers again after node %d was killed", kill.node())
          .isLessThan(ChaosRunner.RECOVERY_GIVE_UP.toSeconds());
    }
  }
}
