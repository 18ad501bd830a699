package io.scp.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.HdrHistogram.Histogram;

/** Writes the benchmark's figures beside the pgbench baseline as self-explanatory markdown. */
final class BenchMarkdown {
  /** Bars of quality.md for the figures beside the calls. */
  static final double SCENARIO_RATIO_BAR = 2.0;

  /** Bars of quality.md for memory: heap per live entity, heap per node at the bar load. */
  static final long ENTITY_HEAP_BAR_BYTES = 4 * 1024;

  static final long NODE_HEAP_BAR_BYTES = 2L * 1024 * 1024 * 1024;

  /** The node's heap: at most while the 1-node calls rows ran, and per held live call. */
  record Memory(long peakHeapBytes, Optional<MemoryBench.LiveCalls> liveCalls) {}

  /** One measured figure beside the calls: its rows at every concurrency. */
  record Figure(
      String name,
      String command,
      String unit,
      Scenario.Labels labels,
      List<BenchRun> runs,
      String crossCheck) {}

  private final Pgbench.Result baseline;
  private final BenchCommand settings;
  private final double minutes;

  BenchMarkdown(Pgbench.Result baseline, BenchCommand settings, double minutes) {
    this.baseline = baseline;
    this.settings = settings;
    this.minutes = minutes;
  }

  static String chartName(Figure figure) {
    return "benchmarks-" + figure.command() + "-latency.png";
  }

  String write(
      List<BenchRun> calls,
      BenchRun best,
      BenchRun three,
      String metricsCheck,
      List<Figure> figures,
      Memory memory) {
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
        String.format(
            Locale.ROOT,
            "Reproduce: `bash loadtest/bench.sh` (installs pgbench, builds, runs; this run took %.0f minutes).%n%n",
            minutes));
    baseline(s);
    calls(s, calls, best, three, metricsCheck);
    memory(s, memory);
    if (!figures.isEmpty()) scenarios(s, figures);
    return s.toString();
  }

  private void baseline(StringBuilder s) {
    s.append("## Baseline: pgbench TPC-B on the same PostgreSQL\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "| clients | tps | latency avg |%n|---|---|---|%n| %d | %.0f | %.2f ms |%n%n`%s`%n%n",
            baseline.clients(),
            baseline.tps(),
            baseline.latencyMs(),
            baseline.command()));
  }

  private void calls(
      StringBuilder s, List<BenchRun> runs, BenchRun best, BenchRun three, String metricsCheck) {
    s.append(
        "## Complete prepaid VPN calls (setup with reservation, answer, end with deduct and refund, CDR)\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "One unit is one complete call (3 requests). Bar: ≥ 1.0 × pgbench tps, %s."
                + " Closed loop, protobuf bodies, %d s per row, after a warm-up of %d s at 32 callers"
                + " (the three nodes: %d s before their row).%n%n",
            LatencyBar.CALLS.describe(),
            settings.duration.toSeconds(),
            settings.warmup.toSeconds(),
            settings.clusterWarmup.toSeconds()));
    s.append(
        "| setup | callers | calls/s | × pgbench tps | request p50 | p99 | p99.9 | failed |\n|---|---|---|---|---|---|---|---|\n");
    for (BenchRun r : runs) row(s, r.setup(), r);
    s.append('\n').append(withinLatencyBar(runs.stream().filter(r -> r != three).toList()));
    s.append(
        String.format(
            Locale.ROOT,
            "%nThree nodes against one node at %d callers: %.2f ×.%n%n",
            best.concurrency(),
            three.unitsPerSecond() / Math.max(0.001, best.unitsPerSecond())));
    s.append("Cross-check with the server's own metrics: ").append(metricsCheck).append(".\n\n");
    s.append("![latency over time, best 1-node row](benchmarks-latency.png)\n\n");
    s.append("### Per request kind, best 1-node row\n\n")
        .append(
            section("1 node, " + best.concurrency() + " callers", best.result(), best.latencies()))
        .append('\n');
  }

  private void memory(StringBuilder s, Memory memory) {
    s.append("## Memory (one node)\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "Bars: at most %d KiB of heap per live entity, at most %d GiB of heap per node at the bar"
                + " load. The node runs with `%s`; its heap is read from its own `/metrics`"
                + " (`jvm_memory_used_bytes{area=\"heap\"}`), live entities from"
                + " `scp_sharding_entities`, and \"after a full collection\" is after `jcmd <pid>"
                + " GC.run`.%n%n",
            ENTITY_HEAP_BAR_BYTES / 1024,
            NODE_HEAP_BAR_BYTES >> 30,
            String.join(" ", BenchCommand.NODE_OPTIONS)));
    s.append("| figure | measured | bar | met |\n|---|---|---|---|\n");
    s.append(
        String.format(
            Locale.ROOT,
            "| heap in use at most while the 1-node calls rows ran (scraped every 2 s, garbage"
                + " included) | %s | ≤ %s | %s |%n",
            mib(memory.peakHeapBytes()),
            mib(NODE_HEAP_BAR_BYTES),
            memory.peakHeapBytes() > 0 && memory.peakHeapBytes() <= NODE_HEAP_BAR_BYTES
                ? "yes"
                : "no"));
    memory
        .liveCalls()
        .ifPresent(
            held -> {
              s.append(
                  String.format(
                      Locale.ROOT,
                      "| heap after a full collection once the rows were over (%d live entities)"
                          + " | %s | | |%n",
                      held.before().allEntities(),
                      mib(held.before().heapBytes())));
              s.append(
                  String.format(
                      Locale.ROOT,
                      "| the same with %d more calls set up, answered and held open (%d live"
                          + " entities) | %s | | |%n",
                      held.opened(),
                      held.held().allEntities(),
                      mib(held.held().heapBytes())));
              s.append(
                  String.format(
                      Locale.ROOT,
                      "| heap per live call (its entity and its open reservation on the account;"
                          + " the difference over the %d call entities it added) | %d bytes | ≤"
                          + " %d bytes | %s |%n",
                      held.liveCalls(),
                      held.bytesPerCall(),
                      ENTITY_HEAP_BAR_BYTES,
                      held.liveCalls() > 0 && held.bytesPerCall() <= ENTITY_HEAP_BAR_BYTES
                          ? "yes"
                          : "no"));
            });
    s.append('\n');
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1024.0 / 1024.0);
  }

  /** Which 1-node row holds the throughput bar at the latency bar, if any does. */
  private String withinLatencyBar(List<BenchRun> oneNode) {
    return BenchRun.bestWithin(oneNode, LatencyBar.CALLS)
        .map(
            r ->
                String.format(
                    Locale.ROOT,
                    "Within the latency bar (%s, nothing failed) one node does"
                        + " at most %.1f calls/s (%d callers): %.3f × pgbench tps.%n",
                    LatencyBar.CALLS.describe(),
                    r.unitsPerSecond(),
                    r.concurrency(),
                    r.unitsPerSecond() / baseline.tps()))
        .orElse(
            String.format(
                Locale.ROOT,
                "No 1-node row is within the latency bar (%s, nothing failed).%n",
                LatencyBar.CALLS.describe()));
  }

  private void scenarios(StringBuilder s, List<Figure> figures) {
    s.append("## IMS registrations, SIP-URI allocate+release, CPM messages (one node)\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "Bar: each ≥ %.1f × pgbench tps, %s. Measured on the node the calls ran on"
                + " (before the two other nodes start), closed loop, protobuf bodies; every figure"
                + " provisions its own population, warms up for %d s at its highest concurrency, then"
                + " runs %d s per row. The figure is units per second; the latencies are those of each"
                + " HTTP request (a unit may take two). One unit is:%n%n",
            SCENARIO_RATIO_BAR,
            LatencyBar.SCENARIOS.describe(),
            settings.scenarioWarmup.toSeconds(),
            settings.scenarioDuration.toSeconds()));
    for (Figure f : figures)
      s.append("- **").append(f.name()).append("**: ").append(f.unit()).append(".\n");
    s.append(
        "\n| figure | clients | units/s | × pgbench tps | request p50 | p99 | p99.9 | failed |\n|---|---|---|---|---|---|---|---|\n");
    for (Figure f : figures) for (BenchRun r : f.runs()) row(s, f.name(), r);
    s.append(
        "\nEvery figure against its bars, at its best row: the most units per second among the rows"
            + " within the latency bar (a throughput only counts at the latency the bar asks for),"
            + " or the most units per second when no row is within it:\n\n");
    s.append(
        String.format(
            Locale.ROOT,
            "| figure | clients | units/s | × pgbench tps (bar ≥ %.1f) | request p99 (bar ≤ %.0f ms) | bars met |%n|---|---|---|---|---|---|%n",
            SCENARIO_RATIO_BAR,
            LatencyBar.SCENARIOS.p99Ms()));
    for (Figure f : figures) {
      BenchRun b = BenchRun.bestAgainstBars(f.runs(), LatencyBar.SCENARIOS);
      double ratio = b.unitsPerSecond() / baseline.tps();
      double p99 = b.p99Ms();
      boolean met = ratio >= SCENARIO_RATIO_BAR && LatencyBar.SCENARIOS.holds(b);
      s.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f | %.3f | %.1f ms | %s |%n",
              f.name(),
              b.concurrency(),
              b.unitsPerSecond(),
              ratio,
              p99,
              met ? "yes" : "no"));
    }
    s.append("\nCross-check with the server's own metrics:\n\n");
    for (Figure f : figures)
      s.append("- ").append(f.name()).append(": ").append(f.crossCheck()).append(".\n");
    s.append('\n');
    for (Figure f : figures) {
      BenchRun b = BenchRun.bestAgainstBars(f.runs(), LatencyBar.SCENARIOS);
      s.append("### ").append(f.name()).append(", best row\n\n");
      s.append("![latency over time](").append(chartName(f)).append(")\n\n");
      s.append(
              section(
                  f.name() + ", 1 node, " + b.concurrency() + " " + f.labels().workers(),
                  b.result(),
                  b.latencies()))
          .append('\n');
    }
  }

  /** A run's report, one heading level below the section it is written in. */
  private static String section(String title, RunResult result, Latencies latencies) {
    return Report.summary(title, result, latencies).replaceFirst("^## ", "#### ");
  }

  private void row(StringBuilder s, String label, BenchRun r) {
    Histogram h = r.requests();
    s.append(
        String.format(
            Locale.ROOT,
            "| %s | %d | %.1f | %.3f | %.1f ms | %.1f ms | %.1f ms | %d |%n",
            label,
            r.concurrency(),
            r.unitsPerSecond(),
            r.unitsPerSecond() / baseline.tps(),
            h.getValueAtPercentile(50) / 1000.0,
            h.getValueAtPercentile(99) / 1000.0,
            h.getValueAtPercentile(99.9) / 1000.0,
            r.result().failed.get()));
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
