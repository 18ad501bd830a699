package io.scp.loadtest;

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

  static BenchRun best(java.util.List<BenchRun> runs) {
    return runs.stream()
        .max((a, b) -> Double.compare(a.unitsPerSecond(), b.unitsPerSecond()))
        .orElseThrow();
  }
}
