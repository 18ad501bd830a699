package io.scp.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One benchmark run on one machine: pgbench's TPC-B on the embedded PostgreSQL; complete prepaid
 * calls on one node; IMS registrations, SIP-URI allocate+release and CPM messages on that node;
 * then calls on a three-node cluster using that same PostgreSQL. Writes the figures beside the
 * baseline to a markdown file ({@link BenchMarkdown}).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "pgbench baseline and the SCP's figures from the same run; writes docs/benchmarks.md.")
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
      converter = LoadtestMain.DurationConverter.class,
      description = "measured length of every calls row")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "120s",
      converter = LoadtestMain.DurationConverter.class,
      description = "calls warm-up of the fresh single node")
  Duration warmup;

  @Option(
      names = "--cluster-warmup",
      defaultValue = "300s",
      converter = LoadtestMain.DurationConverter.class,
      description =
          "calls warm-up of the three nodes before their row: two fresh JVMs sharing the cores"
              + " with a third still compile (JIT) for minutes, see docs/loadtest.md")
  Duration clusterWarmup;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "8,16,32,96",
      description = "closed-loop callers to try")
  List<Integer> concurrency;

  @Option(
      names = "--scenarios",
      split = ",",
      defaultValue = "ims,sip-uri,cpm",
      description = "figures measured on the one node after the calls (none: skip)")
  List<String> scenarios;

  @Option(
      names = "--scenario-concurrency",
      split = ",",
      defaultValue = "16,32,64",
      description = "closed-loop clients to try for every scenario")
  List<Integer> scenarioConcurrency;

  @Option(
      names = "--scenario-duration",
      defaultValue = "30s",
      converter = LoadtestMain.DurationConverter.class)
  Duration scenarioDuration;

  @Option(
      names = "--scenario-warmup",
      defaultValue = "20s",
      converter = LoadtestMain.DurationConverter.class)
  Duration scenarioWarmup;

  @Option(
      names = "--held-calls",
      defaultValue = "20000",
      description = "calls held open on the one node to measure the heap of a live call (0: skip)")
  int heldCalls;

  @Option(names = "--pgbench-clients", defaultValue = "16")
  int pgbenchClients;

  @Option(names = "--pgbench-seconds", defaultValue = "30")
  int pgbenchSeconds;

  @Option(names = "--subscribers", defaultValue = "5000")
  int subscribers;

  static final List<String> NODE_OPTIONS = List.of("-Xmx2g", "-Dpekko.loglevel=WARNING");

  @Override
  public Integer call() throws Exception {
    Path run = workDir.resolve("run-" + System.currentTimeMillis()).toAbsolutePath();
    long started = System.nanoTime();
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
      List<BenchRun> runs = new ArrayList<>();
      List<String> one = List.of(cluster.apiUrls().get(0));
      BenchRun oneNodeWarmup = runCalls(one, population, 32, warmup, "warm-up");
      long peakHeap;
      try (var peak = new NodeHeap.Peak(one.get(0), Duration.ofSeconds(2))) {
        for (int c : concurrency) runs.add(runCalls(one, population, c, duration, "1 node"));
        peakHeap = peak.bytes();
      }
      String metricsCheck = crossCheck(cluster.apiUrls().get(0), oneNodeWarmup, runs);
      BenchRun best = BenchRun.best(runs);
      Optional<MemoryBench.LiveCalls> held =
          heldCalls > 0
              ? Optional.of(
                  new MemoryBench(one.get(0), cluster.pid(0), System.out)
                      .liveCalls(population, heldCalls, 32))
              : Optional.empty();
      var memory = new BenchMarkdown.Memory(peakHeap, held);

      List<BenchMarkdown.Figure> figures = new ArrayList<>();
      var scenarioBench = new ScenarioBench(one, System.out);
      for (String name : scenarios) {
        if (name.equals("none")) continue;
        var figure = scenarioBench.prepare(name, maxOf(scenarioConcurrency));
        figures.add(
            scenarioBench.measure(figure, scenarioConcurrency, scenarioWarmup, scenarioDuration));
      }

      cluster.startNode(1);
      cluster.startNode(2);
      cluster.awaitReady(1, Duration.ofSeconds(120));
      cluster.awaitReady(2, Duration.ofSeconds(120));
      runCalls(cluster.apiUrls(), population, 32, clusterWarmup, "warm-up");
      BenchRun three =
          runCalls(cluster.apiUrls(), population, best.concurrency(), duration, "3 nodes");
      runs.add(three);

      Files.createDirectories(out.toAbsolutePath().getParent());
      var markdown = new BenchMarkdown(baseline, this, (System.nanoTime() - started) / 60e9);
      Files.writeString(out, markdown.write(runs, best, three, metricsCheck, figures, memory));
      LatencyChart.write(
          best.latencies().perSecond(),
          List.of(),
          "1 node, " + best.concurrency() + " callers",
          out.resolveSibling("benchmarks-latency.png"));
      for (BenchMarkdown.Figure f : figures) {
        BenchRun b = BenchRun.bestAgainstBars(f.runs(), LatencyBar.SCENARIOS);
        LatencyChart.write(
            b.latencies().perSecond(),
            List.of(),
            f.name() + ", 1 node, " + b.concurrency() + " clients",
            out.resolveSibling(BenchMarkdown.chartName(f)));
      }
      System.out.println("wrote " + out);
      return 0;
    }
  }

  private static int maxOf(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  private BenchRun runCalls(
      List<String> nodes, Population population, int callers, Duration length, String setup)
      throws Exception {
    Latencies latencies = new Latencies();
    var api = new ApiTarget(nodes, null, latencies, 5, Duration.ofSeconds(10));
    var scenario = new CallScenario(population, new Wire(true), false, 240);
    if (setup.equals("warm-up"))
      System.out.printf("calls warm-up, %d s, %d callers%n", length.toSeconds(), callers);
    RunResult result =
        new TrafficDriver(scenario, api, System.out)
            .run(new TrafficDriver.Plan(length, 0, callers, callers, callers));
    System.out.printf("%s, %d callers: %.1f calls/s%n", setup, callers, result.unitsPerSecond());
    return new BenchRun(setup, callers, result, latencies);
  }

  /**
   * The node counts every call request it served; from its start (no call before the warm-up) to
   * the end of the 1-node rows they must match what the loadtest sent, kind by kind.
   */
  private static String crossCheck(String node, BenchRun warmup, List<BenchRun> rows)
      throws Exception {
    record Counted(String kind, String route) {}
    List<String> checks = new ArrayList<>();
    for (Counted c :
        List.of(
            new Counted("setup", "/v1/calls"),
            new Counted("answer", "/v1/calls/{callId}/answer"),
            new Counted("end", "/v1/calls/{callId}/end"))) {
      long sent = warmup.latencies().count(c.kind());
      for (BenchRun r : rows) sent += r.latencies().count(c.kind());
      long served = ServedRequests.count(node, "POST", c.route());
      checks.add(
          String.format("`%s` sent %d, `POST %s` counted %d", c.kind(), sent, c.route(), served));
    }
    return "requests the loadtest sent to the node from its start to the end of the 1-node rows"
        + " (warm-up included) against the node's own count in `/metrics`: "
        + String.join("; ", checks);
  }
}
