package io.scp.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A local cluster of real {@code scp-node} processes on one embedded PostgreSQL started with {@code
 * scp-node db}. Nodes can be killed with SIGKILL and started again on the same ports.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path jar;
  private final Path workDir;
  private final List<String> nodeJvmOptions;
  private final int[] httpPorts;
  private final int[] managementPorts;
  private final int[] remotePorts;
  private final Process[] nodes;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private Process db;
  private String dbUrl;

  public LocalCluster(Path jar, Path workDir, int size, List<String> nodeJvmOptions)
      throws IOException {
    this.jar = jar;
    this.workDir = workDir;
    this.nodeJvmOptions = List.copyOf(nodeJvmOptions);
    this.httpPorts = freePorts(size);
    this.managementPorts = freePorts(size);
    this.remotePorts = freePorts(size);
    this.nodes = new Process[size];
    Files.createDirectories(workDir);
  }

  private static int[] freePorts(int count) throws IOException {
    int[] ports = new int[count];
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) s.close();
    }
    return ports;
  }

  public int size() {
    return nodes.length;
  }

  public String dbUrl() {
    return dbUrl;
  }

  public List<String> apiUrls() {
    List<String> urls = new ArrayList<>();
    for (int port : httpPorts) urls.add("http://127.0.0.1:" + port);
    return urls;
  }

  /** Starts the database and waits for the URL it prints. */
  public void startDatabase(Duration timeout) throws Exception {
    var pb = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), "db");
    pb.environment().put("SCP_DATA_DIR", workDir.resolve("db").toString());
    pb.environment().put("SCP_DB_PORT", Integer.toString(freePorts(1)[0]));
    pb.redirectErrorStream(true);
    db = pb.start();
    var lines = new BufferedReader(new InputStreamReader(db.getInputStream()));
    CompletableFuture<String> url =
        Background.supply(
            "db-output",
            () -> {
              try {
                for (String line; (line = lines.readLine()) != null; ) {
                  if (line.startsWith("SCP_DB_URL="))
                    return line.substring("SCP_DB_URL=".length()).trim();
                }
                throw new IllegalStateException(
                    "the database process ended without printing its URL");
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    dbUrl = url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Background.run("db-output-drain", () -> lines.lines().forEach(l -> {}));
  }

  public void startNode(int index) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(nodeJvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    var pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.put("SCP_DB_URL", dbUrl);
    env.put("SCP_HTTP_PORT", Integer.toString(httpPorts[index]));
    env.put("SCP_MANAGEMENT_PORT", Integer.toString(managementPorts[index]));
    env.put("SCP_REMOTE_PORT", Integer.toString(remotePorts[index]));
    env.put(
        "SCP_SEED_NODES",
        java.util.Arrays.stream(remotePorts)
            .mapToObj(p -> "127.0.0.1:" + p)
            .collect(Collectors.joining(",")));
    env.remove("SCP_API_TOKENS");
    pb.redirectErrorStream(true);
    pb.redirectOutput(
        ProcessBuilder.Redirect.appendTo(workDir.resolve("node-" + (index + 1) + ".log").toFile()));
    nodes[index] = pb.start();
  }

  /** The operating system's process id of a running node. */
  public long pid(int index) {
    Process p = nodes[index];
    if (p == null || !p.isAlive())
      throw new IllegalStateException("node " + (index + 1) + " is not running");
    return p.pid();
  }

  /** SIGKILL: no shutdown hook, no leaving the cluster. */
  public void kill(int index) throws InterruptedException {
    Process p = nodes[index];
    if (p == null) return;
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    nodes[index] = null;
  }

  public boolean isReady(int index) {
    try {
      var request =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + managementPorts[index] + "/ready"))
              .timeout(Duration.ofSeconds(2))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  public void awaitReady(int index, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isReady(index)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "node " + (index + 1) + " not ready after " + timeout + "; see " + workDir);
      }
      if (nodes[index] != null && !nodes[index].isAlive()) {
        throw new IllegalStateException(
            "node "
                + (index + 1)
                + " exited; see "
                + workDir.resolve("node-" + (index + 1) + ".log"));
      }
      Thread.sleep(250);
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  public void close() {
    for (Process p : nodes) if (p != null) p.destroy();
    for (Process p : nodes) {
      if (p == null) continue;
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (db != null) {
      db.destroy();
      try {
        if (!db.waitFor(20, TimeUnit.SECONDS)) db.destroyForcibly();
      } catch (InterruptedException e) {
        db.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
