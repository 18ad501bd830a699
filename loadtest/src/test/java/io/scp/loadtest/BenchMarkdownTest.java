package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The benchmark's markdown: every figure beside pgbench, with its unit, ratio and bars. */
class BenchMarkdownTest {
  private static BenchRun run(
      String setup, int concurrency, Scenario.Labels labels, int units, long latencyMicros) {
    RunResult result = new RunResult(labels);
    Latencies latencies = new Latencies();
    for (int i = 0; i < units; i++) {
      result.add(Outcome.done("u" + i, "p", ""));
      latencies.record("request", 0, latencyMicros * 1_000);
    }
    result.durationNanos = 1_000_000_000L;
    return new BenchRun(setup, concurrency, result, latencies);
  }

  @Test
  void figuresStandBesideThePgbenchBaselineWithTheirBars() {
    var settings = new BenchCommand();
    settings.duration = Duration.ofSeconds(60);
    settings.warmup = Duration.ofSeconds(45);
    settings.clusterWarmup = Duration.ofSeconds(150);
    settings.scenarioWarmup = Duration.ofSeconds(20);
    settings.scenarioDuration = Duration.ofSeconds(30);
    var baseline = new Pgbench.Result(16, 4000, 4.0, "pgbench -c 16");
    BenchRun calls = run("1 node", 32, CallScenario.LABELS, 200, 20_000);
    BenchRun tooSlow = run("1 node", 96, CallScenario.LABELS, 300, 30_000);
    // p99 within the calls' bar, but one request in 200 takes 150 ms: p99.9 misses it.
    BenchRun slowTail = run("1 node", 48, CallScenario.LABELS, 995, 20_000);
    for (int i = 0; i < 5; i++) slowTail.latencies().record("request", 0, 150_000_000L);
    BenchRun three = run("3 nodes", 32, CallScenario.LABELS, 100, 40_000);
    var ims =
        new BenchMarkdown.Figure(
            "IMS registrations",
            "ims",
            "one REGISTER of one IMPI",
            ImsScenario.LABELS,
            List.of(
                run("IMS registrations", 16, ImsScenario.LABELS, 6000, 3_000),
                run("IMS registrations", 64, ImsScenario.LABELS, 9000, 5_000),
                run("IMS registrations", 128, ImsScenario.LABELS, 9500, 30_000)),
            "sent 1; counted 1");
    var cpm =
        new BenchMarkdown.Figure(
            "CPM messages",
            "cpm",
            "one pager-mode message",
            CpmScenario.LABELS,
            List.of(run("CPM messages", 16, CpmScenario.LABELS, 300, 60_000)),
            "sent 2; counted 2");

    long mib = 1024 * 1024;
    var before = new NodeHeap.Reading(300 * mib, Map.of("VpnCall", 0L, "PrepaidAccount", 5_000L));
    var held =
        new NodeHeap.Reading(
            300 * mib + 20_000 * 2_500L, Map.of("VpnCall", 20_000L, "PrepaidAccount", 5_000L));
    var memory =
        new BenchMarkdown.Memory(
            900 * mib, Optional.of(new MemoryBench.LiveCalls(20_000, before, held)));

    String md =
        new BenchMarkdown(baseline, settings, 14)
            .write(
                List.of(calls, slowTail, tooSlow, three),
                tooSlow,
                three,
                "calls cross-check",
                List.of(ims, cpm),
                memory);

    assertThat(md)
        .contains("| 16 | 4000 | 4.00 ms |")
        .contains("| 1 node | 32 | 200.0 | 0.050 |")
        .contains("| 1 node | 96 | 300.0 | 0.075 |")
        .contains("Bar: ≥ 1.0 × pgbench tps, request p99 ≤ 25 ms, p99.9 ≤ 100 ms.")
        .contains("| 1 node | 48 | 995.0 | 0.249 | 20.0 ms | 20.0 ms | 150.0 ms | 0 |")
        .contains(
            "Within the latency bar (request p99 ≤ 25 ms, p99.9 ≤ 100 ms, nothing failed) one node"
                + " does at most 200.0 calls/s (32 callers): 0.050 × pgbench tps")
        .contains("Bar: each ≥ 2.0 × pgbench tps, request p99 ≤ 25 ms. Measured")
        .contains("warm-up of 45 s")
        .contains("the three nodes: 150 s before their row")
        .contains("- **IMS registrations**: one REGISTER of one IMPI.")
        .contains("- **CPM messages**: one pager-mode message.")
        .contains("| IMS registrations | 64 | 9000.0 | 2.250 | 5.0 ms | 5.0 ms | 5.0 ms | 0 |")
        .contains("| IMS registrations | 128 | 9500.0 | 2.375 | 30.0 ms | 30.0 ms | 30.0 ms | 0 |")
        // The fastest row misses the latency bar; the fastest within it holds both bars.
        .contains("| IMS registrations | 64 | 9000.0 | 2.250 | 5.0 ms | yes |")
        .doesNotContain("| IMS registrations | 128 | 9500.0 | 2.375 | 30.0 ms | no |")
        .contains("| CPM messages | 16 | 300.0 | 0.075 | 60.0 ms | no |")
        .contains("- IMS registrations: sent 1; counted 1.")
        .contains("![latency over time](benchmarks-ims-latency.png)")
        .contains("#### IMS registrations, 1 node, 64 clients")
        .contains("this run took 14 minutes")
        .contains("garbage included) | 900 MiB | ≤ 2048 MiB | yes |")
        .contains("once the rows were over (5000 live entities) | 300 MiB |")
        .contains("held open (25000 live entities) | 348 MiB |")
        .contains("over the 20000 call entities it added) | 2500 bytes | ≤ 4096 bytes | yes |");
  }
}
