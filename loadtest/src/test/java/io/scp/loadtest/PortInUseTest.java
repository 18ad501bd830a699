package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The built jar started on an API port another program holds, as a user would meet it: exit status
 * 1 with one line saying why, its embedded PostgreSQL stopped after the node's connection pools (no
 * warnings about connections the database dropped under them, which would point at the database),
 * and nothing left running.
 */
class PortInUseTest {
  private final Path dataDir =
      Path.of("target", "port-in-use-test", "run-" + System.nanoTime()).toAbsolutePath();
  private final NodeJar jar = new NodeJar(dataDir);

  @AfterEach
  void stopEverything() {
    jar.stopAll();
  }

  @Test
  void aPortInUseEndsTheNodeWithStatusOneAndOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Process node =
          jar.start(
              null,
              Map.of(
                  "SCP_DATA_DIR", dataDir.resolve("node").toString(),
                  "SCP_HTTP_PORT", Integer.toString(taken.getLocalPort()),
                  "SCP_MANAGEMENT_PORT", Integer.toString(NodeJar.freePort()),
                  "SCP_REMOTE_PORT", Integer.toString(NodeJar.freePort())));
      assertThat(node.waitFor(180, TimeUnit.SECONDS)).as("the node gives up by itself").isTrue();
      assertThat(node.exitValue()).isEqualTo(1);
    }
    String log = Files.readString(jar.log(jar.started().get(0)));
    assertThat(log)
        .contains("scp-node: the node could not start:")
        .contains("Address already in use")
        .doesNotContain("Failed to validate connection")
        .doesNotContain("\tat ");
    assertThat(
            ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dataDir.toString())))
        .as("the embedded PostgreSQL stopped with the node")
        .isEmpty();
  }
}
