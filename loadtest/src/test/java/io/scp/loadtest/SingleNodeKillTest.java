package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The built jar as a user runs it: one node on its embedded PostgreSQL, killed with SIGKILL and
 * started again on the same data directory, keeps what it acknowledged. The database runs as a
 * process of its own and survives the kill; the restarted node stops it and starts its own. A
 * second node on a directory that a live node uses is refused. SIGTERM stops a node cleanly, with
 * exit code 0.
 */
class SingleNodeKillTest {
  private final Path dataDir =
      Path.of("target", "kill-test", "run-" + System.nanoTime()).toAbsolutePath();
  private final NodeJar jar = new NodeJar(dataDir);

  @AfterEach
  void stopEverything() {
    jar.stopAll(); // its PostgreSQL included
  }

  @Test
  void aKilledNodeRestartsOnItsDataAndASecondNodeIsRefused() throws Exception {
    int http = NodeJar.freePort();
    int management = NodeJar.freePort();
    String kept = "http://127.0.0.1:" + http + "/v1/accounts/kept";
    Process first = start(http, management);
    jar.awaitReady(first, management);
    var put = NodeJar.send("PUT", kept, null, "{\"balance\":4321}");
    assertThat(put.statusCode()).isEqualTo(201);

    first.destroyForcibly(); // SIGKILL: no shutdown hook, the database is left running
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Process second = start(http, management);
    jar.awaitReady(second, management);
    var read = NodeJar.send("GET", kept, null, null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).contains("\"balance\":4321");
    assertThat(Files.readString(jar.log(second)))
        .contains("stopping the embedded PostgreSQL")
        .contains("that a node which died left running");

    Process intruder = start(NodeJar.freePort(), NodeJar.freePort());
    assertThat(intruder.waitFor(120, TimeUnit.SECONDS)).as("a second node gives up").isTrue();
    assertThat(intruder.exitValue()).isEqualTo(2);
    assertThat(Files.readString(jar.log(intruder)))
        .contains("is in use by another running node")
        .doesNotContain("\tat ");
    assertThat(NodeJar.send("GET", kept, null, null).statusCode())
        .as("the first node still serves")
        .isEqualTo(200);

    second.destroy(); // SIGTERM: the clean stop
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).as("a clean stop exits with 0").isZero();
    assertThat(Files.readString(jar.log(second))).contains("Exiting completed");
  }

  private Process start(int http, int management) throws IOException {
    return jar.start(
        null,
        Map.of(
            "SCP_DATA_DIR", dataDir.toString(),
            "SCP_HTTP_PORT", Integer.toString(http),
            "SCP_MANAGEMENT_PORT", Integer.toString(management),
            "SCP_REMOTE_PORT", Integer.toString(NodeJar.freePort())));
  }
}
