package io.scp.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One benchmark run on one machine: pgbench's TPC-B on the embedded PostgreSQL, then complete
 * prepaid calls on one node and on a three-node cluster using that same PostgreSQL; writes the
 * figures side by side to a markdown file.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "pgbench baseline and the SCP's call figures from the same run; writes docs/benchmarks.md.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--jar", defaultValue = "scp-node/target/scp-node.jar")
  Path jar;

  @Option(names = "--work-dir", defaultValue = "target/bench")
  Path workDir;

  @Option(names = "--out", defaultValue = "docs/benchmarks.md")
  Path out;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = LoadtestMain.DurationConverter.class)
  Duration duration;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "8,32,96",
      description = "closed-loop callers to try")
  List<Integer> concurrency;

  @Option(names = "--pgbench-clients", defaultValue = "16")
  int pgbenchClients;

  @Option(names = "--pgbench-seconds", defaultValue = "30")
  int pgbenchSeconds;

  @Option(names = "--subscribers", defaultValue = "5000")
  int subscribers;

  static final List<String> NODE_OPTIONS = List.of("-Xmx2g", "-Dpekko.loglevel=WARNING");

  record Run(String setup, int concurrency, RunResult result, Latencies latencies) {
    Histogram calls() {
      Histogram all = new Histogram(60_000_000L, 3);
      latencies.byKind().forEach((kind, h) -> all.add(h));
      return all;
    }
  }

  @Override
  public Integer call() throws Exception {
    Path run = workDir.resolve("run-" + System.currentTimeMillis()).toAbsolutePath();
    try (LocalCluster cluster = new LocalCluster(jar.toAbsolutePath(), run, 3, NODE_OPTIONS)) {
      cluster.startDatabase(Duration.ofSeconds(120));
      var pgbench = new Pgbench(Pgbench.locate(), cluster.dbUrl());
      pgbench.initialise(10);
      Pgbench.Result baseline = pgbench.run(pgbenchClients, pgbenchSeconds);
      System.out.printf(
          "pgbench TPC-B: %.0f tps (%d clients)%n", baseline.tps(), baseline.clients());

      cluster.startNode(0);
      cluster.awaitReady(0, Duration.ofSeconds(120));
      Population population = new Population("bench", 50, subscribers, 1_000_000_000L);
      new Provisioner(
              new ApiTarget(
                  List.of(cluster.apiUrls().get(0)),
                  null,
                  new Latencies(),
                  5,
                  Duration.ofSeconds(10)))
          .provision(population, LoadtestMain.DEFAULT_TARIFF);
      List<Run> runs = new ArrayList<>();
      List<String> one = List.of(cluster.apiUrls().get(0));
      runCalls(one, population, 16, Duration.ofSeconds(15), "warm-up");
      for (int c : concurrency) runs.add(runCalls(one, population, c, duration, "1 node"));
      String metricsCheck = crossCheck(cluster, runs);

      Run best =
          runs.stream()
              .max(
                  (a, b) ->
                      Double.compare(a.result().callsPerSecond(), b.result().callsPerSecond()))
              .orElseThrow();
      cluster.startNode(1);
      cluster.startNode(2);
      cluster.awaitReady(1, Duration.ofSeconds(120));
      cluster.awaitReady(2, Duration.ofSeconds(120));
      runCalls(cluster.apiUrls(), population, 16, Duration.ofSeconds(15), "warm-up");
      Run three = runCalls(cluster.apiUrls(), population, best.concurrency(), duration, "3 nodes");
      runs.add(three);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, markdown(baseline, runs, best, three, metricsCheck));
      LatencyChart.write(
          best.latencies().perSecond(),
          List.of(),
          "1 node, " + best.concurrency() + " callers",
          out.resolveSibling("benchmarks-latency.png"));
      System.out.println("wrote " + out);
      return 0;
    }
  }

  private Run runCalls(
      List<String> nodes, Population population, int callers, Duration length, String setup)
      throws Exception {
    Latencies latencies = new Latencies();
    var api = new ApiTarget(nodes, null, latencies, 5, Duration.ofSeconds(10));
    var driver = new TrafficDriver(new CallScenario(api, true), population, latencies, System.out);
    RunResult result =
        driver.run(new TrafficDriver.Plan(length, 0, callers, callers, false, 240, callers));
    System.out.printf("%s, %d callers: %.1f calls/s%n", setup, callers, result.callsPerSecond());
    return new Run(setup, callers, result, latencies);
  }

  /** The node counts every call request it served; they must match what the loadtest sent. */
  private static String crossCheck(LocalCluster cluster, List<Run> runs) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(cluster.apiUrls().get(0) + "/metrics")).build();
    String text =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
    Matcher m =
        Pattern.compile(
                "scp_http_request_duration_seconds_count\\{[^}]*method=\"POST\"[^}]*route=\"/v1/calls\"[^}]*} ([0-9.eE+]+)")
            .matcher(text);
    double served = 0;
    while (m.find()) served += Double.parseDouble(m.group(1));
    long sent = 0;
    for (Run r : runs)
      sent +=
          r.latencies()
              .byKind()
              .getOrDefault("setup", new org.HdrHistogram.ConcurrentHistogram(3))
              .getTotalCount();
    return String.format(
        "setup requests the loadtest sent in the measured 1-node runs: %d; `POST /v1/calls` the node counted in `/metrics` (warm-up included): %.0f",
        sent, served);
  }

  private String markdown(
      Pgbench.Result baseline, List<Run> runs, Run best, Run three, String metricsCheck) {
    StringBuilder s = new StringBuilder("# Benchmarks\n\n");
    s.append("Measured by `loadtest bench` on ")
        .append(Instant.now())
        .append(" on this machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(machineMemory())
        .append(", Java ")
        .append(System.getProperty("java.version"))
        .append(
            ". PostgreSQL (embedded, `synchronous_commit=on`), the node(s) and the load generator all run on it.\n\n");
    s.append(
        "Reproduce: `bash loadtest/bench.sh` (installs pgbench, builds, runs; about 10 minutes).\n\n");
    s.append("## Baseline: pgbench TPC-B on the same PostgreSQL\n\n");
    s.append(
        String.format(
            "| clients | tps | latency avg |%n|---|---|---|%n| %d | %.0f | %.2f ms |%n%n`%s`%n%n",
            baseline.clients(), baseline.tps(), baseline.latencyMs(), baseline.command()));
    s.append(
        "## Complete prepaid VPN calls (setup with reservation, answer, end with deduct and refund, CDR)\n\n");
    s.append("Closed loop, protobuf bodies, ")
        .append(duration.toSeconds())
        .append(" s per row after a warm-up.\n\n");
    s.append(
        "| setup | callers | calls/s | × pgbench tps | request p50 | p99 | p99.9 | failed |\n|---|---|---|---|---|---|---|---|\n");
    for (Run r : runs) {
      Histogram h = r.calls();
      s.append(
          String.format(
              "| %s | %d | %.1f | %.3f | %.1f ms | %.1f ms | %.1f ms | %d |%n",
              r.setup(),
              r.concurrency(),
              r.result().callsPerSecond(),
              r.result().callsPerSecond() / baseline.tps(),
              h.getValueAtPercentile(50) / 1000.0,
              h.getValueAtPercentile(99) / 1000.0,
              h.getValueAtPercentile(99.9) / 1000.0,
              r.result().failed.get()));
    }
    s.append(
        String.format(
            "%nThree nodes against one node at %d callers: %.2f ×.%n%n",
            best.concurrency(),
            three.result().callsPerSecond() / Math.max(0.001, best.result().callsPerSecond())));
    s.append("Cross-check with the server's own metrics: ").append(metricsCheck).append(".\n\n");
    s.append("![latency over time, best 1-node row](benchmarks-latency.png)\n\n");
    s.append("### Per request kind, best 1-node row\n\n")
        .append(
            Report.summary(
                "1 node, " + best.concurrency() + " callers", best.result(), best.latencies()))
        .append('\n');
    return s.toString();
  }

  private static String machineMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:"))
          return (Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024 / 1024) + " GiB";
      }
    } catch (Exception e) {
      return "unknown memory";
    }
    return "unknown memory";
  }
}
