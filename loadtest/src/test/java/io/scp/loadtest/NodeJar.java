package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The built node jar, run as a process the way a user runs it, for the tests of this module. */
final class NodeJar {
  static final Path JAR =
      Path.of("..", "scp-node", "target", "scp-node.jar").toAbsolutePath().normalize();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private NodeJar() {}

  /**
   * Waits until the node's management port answers {@code /ready} with 200. Polls often, so a
   * request right after it would find an API port still closed if the node answered /ready before
   * binding it.
   */
  static void awaitReady(Process node, int managementPort, Path log) {
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              assertThat(node.isAlive()).as("node running; see " + log).isTrue();
              try {
                return HTTP.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + managementPort + "/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false;
              }
            });
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
