package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built node jar, run as processes the way a user runs it, each with its output in a log file
 * under one directory of the test's; {@link #stopAll()} kills whatever they left running there (an
 * embedded PostgreSQL included).
 */
final class NodeJar {
  private static final Path JAR =
      Path.of("..", "scp-node", "target", "scp-node.jar").toAbsolutePath().normalize();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Path dir;
  private final List<Process> started = new ArrayList<>();

  NodeJar(Path dir) {
    assertThat(Files.exists(JAR)).as("the node's fat jar is built before this module").isTrue();
    this.dir = dir.toAbsolutePath();
  }

  /**
   * Starts {@code java -jar scp-node.jar [command]} with only the {@code SCP_*} variables given
   * (none inherited from the test's environment).
   */
  Process start(String command, Map<String, String> env) throws IOException {
    Files.createDirectories(dir);
    List<String> line = new ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    line.add("-Xmx512m");
    line.add("-jar");
    line.add(JAR.toString());
    if (command != null) line.add(command);
    var pb = new ProcessBuilder(line);
    pb.environment().keySet().removeIf(k -> k.startsWith("SCP_"));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(dir.resolve(logName(started.size())).toFile());
    Process p = pb.start();
    started.add(p);
    return p;
  }

  /** The processes started, in order. */
  List<Process> started() {
    return List.copyOf(started);
  }

  Path log(Process p) {
    return dir.resolve(logName(started.indexOf(p)));
  }

  void stopAll() {
    started.forEach(Process::destroyForcibly);
    ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(dir.toString()))
        .forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Waits until the node's management port answers {@code /ready} with 200. Polls often, so a
   * request right after it would find an API port still closed if the node answered /ready before
   * binding it.
   */
  void awaitReady(Process node, int managementPort) {
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              assertThat(node.isAlive()).as("node running; see " + log(node)).isTrue();
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

  /** A JSON request as a front end sends it; {@code token} null sends no Authorization. */
  static HttpResponse<String> send(String method, String url, String token, String json)
      throws IOException, InterruptedException {
    var request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
    if (token != null) request.header("Authorization", "Bearer " + token);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String logName(int index) {
    return "process-" + index + ".log";
  }
}
