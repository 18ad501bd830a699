package io.scp.loadtest;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts a database and a cluster of node processes, drives prepaid VPN calls and SIP-URI
 * allocate+release pairs over all nodes, kills one node with SIGKILL and restarts it at every
 * interval, then checks every money invariant, SIP-URI exclusivity from the journal, and writes a
 * report. Bounded in time; traffic goes to 127.0.0.1 only.
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

  /** Units that ended outside the kill windows, how many of those failed, and failures inside. */
  public record Windows(long outside, long failedOutside, long failedInside) {
    public double errorRateOutside() {
      return outside == 0 ? 0 : failedOutside / (double) outside;
    }
  }

  public record Outcome(
      RunResult traffic,
      List<Kill> kills,
      InvariantChecker.Findings findings,
      Windows calls,
      RunResult sipUriTraffic,
      Windows sipUri,
      SipUriAudit.Findings sipUriAudit) {
    public double errorRateOutside() {
      return calls.errorRateOutside();
    }

    public boolean passed(double maxErrorRate, double maxRecoverySeconds) {
      return findings.ok()
          && sipUriAudit.ok()
          && calls.errorRateOutside() < maxErrorRate
          && sipUri.errorRateOutside() < maxErrorRate
          && kills.stream().allMatch(k -> k.recoverySeconds() <= maxRecoverySeconds);
    }
  }

  /** Side traffic on shared SIP-URIs, so that exclusivity is checked across kills too. */
  static final int SIP_URI_USERS = 40;

  static final int SIP_URI_POOLS = 4;
  static final double SIP_URI_PAIRS_PER_SECOND = 5;

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
    SipUriPopulation sipUris = new SipUriPopulation(runId, SIP_URI_USERS, SIP_URI_POOLS);
    try (LocalCluster cluster =
        new LocalCluster(settings.jar(), settings.workDir(), settings.nodes(), NODE_OPTIONS)) {
      out.println("starting database and " + settings.nodes() + " nodes in " + settings.workDir());
      cluster.startDatabase(Duration.ofSeconds(120));
      for (int i = 0; i < cluster.size(); i++) cluster.startNode(i);
      for (int i = 0; i < cluster.size(); i++) cluster.awaitReady(i, Duration.ofSeconds(120));
      Latencies latencies = new Latencies();
      ApiTarget api = new ApiTarget(cluster.apiUrls(), null, latencies, 12, Duration.ofSeconds(6));
      var provisioner =
          new Provisioner(
              new ApiTarget(cluster.apiUrls(), null, new Latencies(), 12, Duration.ofSeconds(10)));
      provisioner.provision(population, LoadtestMain.DEFAULT_TARIFF);
      provisioner.provision(sipUris, "ROUND_ROBIN");
      out.println(
          "provisioned "
              + settings.subscribers()
              + " prepaid subscribers and "
              + SIP_URI_POOLS
              + " SIP-URI pools; traffic for "
              + settings.duration().toSeconds()
              + " s");
      CompletableFuture<RunResult> sipUriTraffic = sipUriTraffic(cluster, sipUris);

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
      RunResult sipUriResult = sipUriTraffic.get();

      ApiTarget checks =
          new ApiTarget(cluster.apiUrls(), null, new Latencies(), 12, Duration.ofSeconds(10));
      var checker = new InvariantChecker(checks);
      boolean settled = checker.awaitSettled(population, Duration.ofSeconds(120));
      out.println(settled ? "all reservations settled" : "reservations still open after 120 s");
      var findings = checker.check(population, result, Duration.ofSeconds(60));
      var audit = new SipUriAudit(checks).audit(sipUris);
      Outcome outcome =
          new Outcome(
              result,
              kills,
              findings,
              windows(result, kills, latencies),
              sipUriResult,
              windows(sipUriResult, kills, latencies),
              audit);
      writeReport(outcome, latencies);
      return outcome;
    }
  }

  /**
   * Allocate+release pairs at a steady rate over all nodes, with the same client retries as the
   * calls; progress lines are left to the calls.
   */
  private CompletableFuture<RunResult> sipUriTraffic(LocalCluster cluster, SipUriPopulation pools) {
    ApiTarget api =
        new ApiTarget(cluster.apiUrls(), null, new Latencies(), 12, Duration.ofSeconds(6));
    var plan = new TrafficDriver.Plan(settings.duration(), SIP_URI_PAIRS_PER_SECOND, 0, 200, 11);
    var quiet = new PrintStream(OutputStream.nullOutputStream());
    return Background.supply(
        "chaos-sip-uri-traffic",
        () -> {
          try {
            return new TrafficDriver(new SipUriScenario(pools, new Wire(true)), api, quiet)
                .run(plan);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
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

  /**
   * Seconds until every account answers through the surviving nodes: each account is probed on its
   * own until its first answer, so the figure is the time of the last first answer (not the end of
   * a probe round).
   */
  private double awaitAllAnswer(
      LocalCluster cluster, int victim, Population population, long killedAt) {
    List<String> survivors = new ArrayList<>(cluster.apiUrls());
    survivors.remove(victim);
    // a short timeout: an account whose shard has not moved yet does not answer at all
    ApiTarget probe = new ApiTarget(survivors, null, new Latencies(), 1, Duration.ofSeconds(1));
    long giveUpAt = killedAt + RECOVERY_GIVE_UP.toNanos();
    ScheduledExecutorService pause = Executors.newSingleThreadScheduledExecutor();
    try {
      List<CompletableFuture<Long>> answered = new ArrayList<>();
      for (Population.Member m : population.members()) {
        answered.add(firstAnswer(probe, "/v1/accounts/" + m.accountId(), giveUpAt, pause));
      }
      long last =
          answered.stream().mapToLong(CompletableFuture::join).max().orElse(System.nanoTime());
      return (last - killedAt) / 1e9;
    } finally {
      pause.shutdownNow();
    }
  }

  /** When {@code path} first answered 2xx (nanoTime), probing again 100 ms after each failure. */
  private static CompletableFuture<Long> firstAnswer(
      ApiTarget probe, String path, long giveUpAt, ScheduledExecutorService pause) {
    return probe
        .send("probe", "GET", path, null, ApiTarget.JSON)
        .thenCompose(
            answer -> {
              long now = System.nanoTime();
              if (answer.ok() || now >= giveUpAt) return CompletableFuture.completedFuture(now);
              Executor later = CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS, pause);
              return CompletableFuture.supplyAsync(() -> null, later)
                  .thenCompose(x -> firstAnswer(probe, path, giveUpAt, pause));
            });
  }

  /**
   * Failures inside a kill window (from the kill until the node is back, plus 5 s) are expected.
   */
  private static Windows windows(RunResult result, List<Kill> kills, Latencies latencies) {
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
    return new Windows(outside, failedOutside, failedInside);
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
            o.calls().outside(),
            o.calls().failedOutside(),
            o.calls().errorRateOutside() * 100,
            o.calls().failedInside()));
    extra.append(
        String.format(
            "%nSIP-URI allocate+release pairs outside kill windows: %d, failed: %d (%.3f %%); failed inside kill windows: %d%n",
            o.sipUri().outside(),
            o.sipUri().failedOutside(),
            o.sipUri().errorRateOutside() * 100,
            o.sipUri().failedInside()));
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
    if (!f.bodilessAnswers().isEmpty()) {
      extra.append(
          String.format(
              "%n2xx answers without a body during the check (read again): %d%n",
              f.bodilessAnswers().size()));
      f.bodilessAnswers().stream().limit(5).forEach(b -> extra.append("- ").append(b).append('\n'));
    }
    var audit = o.sipUriAudit();
    extra.append(
        String.format(
            "%n### SIP-URI exclusivity (from the journal)%n%npools audited: %d; allocations: %d; releases: %d; still held: %d; violations: %d%n",
            audit.pools(),
            audit.allocations(),
            audit.releases(),
            audit.held(),
            audit.violations().size()));
    audit.violations().stream().limit(20).forEach(v -> extra.append("- ").append(v).append('\n'));
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
