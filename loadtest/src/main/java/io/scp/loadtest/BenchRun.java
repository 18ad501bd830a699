package io.scp.loadtest;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.HdrHistogram.Histogram;

/** One measured row of the benchmark: where it ran, with how many workers, and what it gave. */
record BenchRun(String setup, int concurrency, RunResult result, Latencies latencies) {
  /** Every request of the row, whatever its kind. */
  Histogram requests() {
    Histogram all = new Histogram(60_000_000L, 3);
    latencies.byKind().forEach((kind, h) -> all.add(h));
    return all;
  }

  double unitsPerSecond() {
    return result.unitsPerSecond();
  }

  double p99Ms() {
    return requests().getValueAtPercentile(99) / 1000.0;
  }

  double p999Ms() {
    return requests().getValueAtPercentile(99.9) / 1000.0;
  }

  static BenchRun best(List<BenchRun> runs) {
    return runs.stream().max(Comparator.comparingDouble(BenchRun::unitsPerSecond)).orElseThrow();
  }

  /**
   * The row to hold against the bars: the most units per second among the rows within the latency
   * bar — a throughput bar only counts at the latency it asks for — or, when no row is within it,
   * the most units per second.
   */
  static BenchRun bestAgainstBars(List<BenchRun> runs, LatencyBar bar) {
    return bestWithin(runs, bar).orElseGet(() -> best(runs));
  }

  static Optional<BenchRun> bestWithin(List<BenchRun> runs, LatencyBar bar) {
    return runs.stream()
        .filter(bar::holds)
        .max(Comparator.comparingDouble(BenchRun::unitsPerSecond));
  }
}
