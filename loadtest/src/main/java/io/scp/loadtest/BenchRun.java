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

  /** Request p99 within {@code p99BarMs} and nothing failed. */
  boolean withinLatencyBar(double p99BarMs) {
    return p99Ms() <= p99BarMs && result.failed.get() == 0;
  }

  static BenchRun best(List<BenchRun> runs) {
    return runs.stream().max(Comparator.comparingDouble(BenchRun::unitsPerSecond)).orElseThrow();
  }

  /**
   * The row to hold against the bars: the most units per second among the rows within the latency
   * bar — a throughput bar only counts at the latency it asks for — or, when no row is within it,
   * the most units per second.
   */
  static BenchRun bestAgainstBars(List<BenchRun> runs, double p99BarMs) {
    return bestWithin(runs, p99BarMs).orElseGet(() -> best(runs));
  }

  static Optional<BenchRun> bestWithin(List<BenchRun> runs, double p99BarMs) {
    return runs.stream()
        .filter(r -> r.withinLatencyBar(p99BarMs))
        .max(Comparator.comparingDouble(BenchRun::unitsPerSecond));
  }
}
