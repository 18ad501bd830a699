package io.scp.loadtest;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every traffic command shares: where the nodes are, the token, the run's id prefix. */
final class TargetOptions {
  @Option(
      names = "--nodes",
      split = ",",
      defaultValue = "http://127.0.0.1:8080",
      description = "node API base URLs")
  List<String> nodes;

  @Option(
      names = "--token",
      defaultValue = "${env:SCP_LOADTEST_TOKEN}",
      description = "bearer token (operator)")
  String token;

  @Option(
      names = "--run-id",
      defaultValue = "run1",
      description = "prefix of every id this run creates")
  String runId;

  /** The nodes as a front end sees them: 5 attempts over the nodes, 10 s per attempt. */
  ApiTarget api(Latencies latencies) {
    return new ApiTarget(nodes, token, latencies, 5, Duration.ofSeconds(10));
  }

  Provisioner provisioner() {
    return new Provisioner(api(new Latencies()));
  }
}
