package io.scp.loadtest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Starts a database and a cluster of node processes, drives prepaid VPN calls over all nodes, kills
 * one node with SIGKILL and restarts it at every interval, then checks every money invariant and
 * writes a report. Bounded in time; traffic goes to 127.0.0.1 only.
 */
public final class ChaosRunner {
  public record Settings(
      Path jar,
      Path workDir,
      Path reportDir,
      int nodes,
      Duration duration,
      Duration killEvery,
      double callsPerSecond,
      int subscribers,
      int groups) {}

  /**
   * One kill: when, which node, and how long until its entities answered again on the survivors.
   */
  public record Kill(int node, long atNanos, double recoverySeconds, double restartSeconds) {}

  public record Outcome(
      RunResult traffic,
      List<Kill> kills,
      InvariantChecker.Findings findings,
      double errorRateOutside,
      long callsOutside,
      long failedOutside,
      long failedInside) {
    public boolean passed(double maxErrorRate, double maxRecoverySeconds) {
      return findings.ok()
          && errorRateOutside < maxErrorRate
          && kills.stream().allMatch(k -> k.recoverySeconds() <= maxRecoverySeconds);
    }
  }

  /** A probe gives up waiting for the accounts to answer after this long. */
  static final Duration RECOVERY_GIVE_UP = Duration.ofSeconds(90);

  static final List<String> NODE_OPTIONS =
      List.of(
          "-Xmx768m",
          "-Dscp.calls.quota-seconds=60s",
          "-Dscp.calls.answer-timeout=15s",
          "-Dscp.calls.end-grace=5s",
          "-Dscp.sharding.idle-timeout=30s",
          "-Dpekko.loglevel=INFO");

  private final Settings settings;
  private final PrintStream out;

  public ChaosRunner(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  public Outcome run() throws Exception {
    String runId = "chaos" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    Population population =
        new Population(runId, settings.groups(), settings.subscribers(), 10_000_000L);
    try (LocalCluster cluster =
        new LocalCluster(settings.jar(), settings.workDir(), settings.nodes(), NODE_OPTIONS)) {
      out.println("starting database and " + settings.nodes() + " nodes in " + settings.workDir());
      cluster.startDatabase(Duration.ofSeconds(120));
      for (int i = 0; i < cluster.size(); i++) cluster.startNode(i);
      for (int i = 0; i < cluster.size(); i++) cluster.awaitReady(i, Duration.ofSeconds(120));
      Latencies latencies = new Latencies();
      ApiTarget api = new ApiTarget(cluster.apiUrls(), null, latencies, 12, Duration.ofSeconds(6));
      new Provisioner(
              new ApiTarget(cluster.apiUrls(), null, new Latencies(), 12, Duration.ofSeconds(10)))
          .provision(population, LoadtestMain.DEFAULT_TARIFF);
      out.println(
          "provisioned "
              + settings.subscribers()
              + " prepaid subscribers; traffic for "
              + settings.duration().toSeconds()
              + " s");

      var plan =
          new TrafficDriver.Plan(settings.duration(), settings.callsPerSecond(), 0, 2_000, 7);
      var scenario = new CallScenario(population, new Wire(true), true, 50);
      CompletableFuture<RunResult> traffic =
          Background.supply(
              "chaos-traffic",
              () -> {
                try {
                  return new TrafficDriver(scenario, api, out).run(plan);
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      List<Kill> kills = killLoop(cluster, population, latencies);
      RunResult result = traffic.get();

      ApiTarget checks =
          new ApiTarget(cluster.apiUrls(), null, new Latencies(), 12, Duration.ofSeconds(10));
      var checker = new InvariantChecker(checks);
      boolean settled = checker.awaitSettled(population, Duration.ofSeconds(120));
      out.println(settled ? "all reservations settled" : "reservations still open after 120 s");
      var findings = checker.check(population, result, Duration.ofSeconds(60));
      Outcome outcome = attribute(result, kills, findings, latencies);
      writeReport(outcome, latencies);
      return outcome;
    }
  }

  /**
   * Kills a node at every multiple of killEvery from the start, while at least 20 s of traffic
   * remain.
   */
  private List<Kill> killLoop(LocalCluster cluster, Population population, Latencies latencies)
      throws Exception {
    List<Kill> kills = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + settings.duration().toNanos();
    int victim = 0;
    for (int i = 1; ; i++) {
      long at = start + i * settings.killEvery().toNanos();
      if (at + Duration.ofSeconds(20).toNanos() > end) break;
      long wait = at - System.nanoTime();
      if (wait > 0) Thread.sleep(wait / 1_000_000);
      long killedAt = System.nanoTime();
      out.println("SIGKILL node " + (victim + 1));
      cluster.kill(victim);
      double recovery = awaitAllAnswer(cluster, victim, population, killedAt);
      cluster.startNode(victim);
      cluster.awaitReady(victim, Duration.ofSeconds(120));
      double restart = (System.nanoTime() - killedAt) / 1e9;
      out.printf(
          "node %d: entities answered again after %.1f s; node back after %.1f s%n",
          victim + 1, recovery, restart);
      kills.add(new Kill(victim + 1, killedAt - latencies.startNanos(), recovery, restart));
      victim = (victim + 1) % cluster.size();
    }
    return kills;
  }

  /** Seconds until every account answers through the surviving nodes. */
  private double awaitAllAnswer(
      LocalCluster cluster, int victim, Population population, long killedAt)
      throws InterruptedException {
    List<String> survivors = new ArrayList<>(cluster.apiUrls());
    survivors.remove(victim);
    // a short timeout: an account whose shard has not moved yet would otherwise hold a probe round
    ApiTarget probe = new ApiTarget(survivors, null, new Latencies(), 1, Duration.ofSeconds(1));
    List<Population.Member> pending = new ArrayList<>(population.members());
    while (!pending.isEmpty() && System.nanoTime() - killedAt < RECOVERY_GIVE_UP.toNanos()) {
      List<CompletableFuture<ApiTarget.Answer>> answers = new ArrayList<>();
      for (Population.Member m : pending)
        answers.add(
            probe.send("probe", "GET", "/v1/accounts/" + m.accountId(), null, ApiTarget.JSON));
      List<Population.Member> still = new ArrayList<>();
      for (int i = 0; i < pending.size(); i++)
        if (!answers.get(i).join().ok()) still.add(pending.get(i));
      pending = still;
      if (!pending.isEmpty()) Thread.sleep(100);
    }
    return (System.nanoTime() - killedAt) / 1e9;
  }

  /**
   * Failures inside a kill window (from the kill until the node is back, plus 5 s) are expected.
   */
  private Outcome attribute(
      RunResult result, List<Kill> kills, InvariantChecker.Findings findings, Latencies latencies) {
    long outside = 0;
    long failedOutside = 0;
    long failedInside = 0;
    for (io.scp.loadtest.Outcome o : result.outcomes) {
      long at = o.endedNanos() - latencies.startNanos();
      boolean inside =
          kills.stream()
              .anyMatch(
                  k ->
                      at >= k.atNanos()
                          && at <= k.atNanos() + (long) ((k.restartSeconds() + 5) * 1e9));
      boolean failed = o.kind() == io.scp.loadtest.Outcome.Kind.FAILED;
      if (inside) {
        if (failed) failedInside++;
      } else {
        outside++;
        if (failed) failedOutside++;
      }
    }
    double rate = outside == 0 ? 0 : failedOutside / (double) outside;
    return new Outcome(result, kills, findings, rate, outside, failedOutside, failedInside);
  }

  private void writeReport(Outcome o, Latencies latencies) throws Exception {
    StringBuilder extra =
        new StringBuilder(
            "### Kills\n\n| # | node | at | entities answer again after | node back after |\n|---|---|---|---|---|\n");
    int n = 1;
    for (Kill k : o.kills()) {
      extra.append(
          String.format(
              "| %d | %d | %.0f s | %.1f s | %.1f s |%n",
              n++, k.node(), k.atNanos() / 1e9, k.recoverySeconds(), k.restartSeconds()));
    }
    extra.append(
        String.format(
            "%n### Errors%n%ncalls outside kill windows: %d, failed: %d (%.3f %%); failed inside kill windows: %d%n",
            o.callsOutside(), o.failedOutside(), o.errorRateOutside() * 100, o.failedInside()));
    var f = o.findings();
    extra.append(
        String.format(
            "%n### Invariants%n%naccounts checked: %d; acknowledged ends checked: %d; sum deducted: %d; sum of CDR charges: %d; violations: %d%n",
            f.accounts(),
            f.acknowledgedEnds(),
            f.deducted(),
            f.cdrCharges(),
            f.violations().size()));
    f.violations().stream().limit(20).forEach(v -> extra.append("- ").append(v).append('\n'));
    List<Long> markers = o.kills().stream().map(k -> k.atNanos() / 1_000_000_000L).toList();
    out.println(
        Report.write(
            settings.reportDir(),
            "chaos: " + settings.nodes() + " nodes, " + settings.callsPerSecond() + " calls/s",
            o.traffic(),
            latencies,
            markers,
            extra.toString()));
  }
}
