package io.scp.loadtest;

import java.util.Locale;

/**
 * A latency bar of quality.md on every request of a row: its p99 and, where the bar names one, its
 * p99.9. A row is within it only when nothing failed too.
 */
record LatencyBar(double p99Ms, double p999Ms) {
  /** The calls' bar: each call request p99 ≤ 25 ms and p99.9 ≤ 100 ms. */
  static final LatencyBar CALLS = new LatencyBar(25, 100);

  /** IMS, SIP-URI and CPM: p99 ≤ 25 ms, no bar on p99.9. */
  static final LatencyBar SCENARIOS = new LatencyBar(25, Double.POSITIVE_INFINITY);

  boolean holds(BenchRun run) {
    return run.p99Ms() <= p99Ms && run.p999Ms() <= p999Ms && run.result().failed.get() == 0;
  }

  /** How the bar reads in the report, e.g. "request p99 ≤ 25 ms, p99.9 ≤ 100 ms". */
  String describe() {
    String p99 = String.format(Locale.ROOT, "request p99 ≤ %.0f ms", p99Ms);
    return Double.isInfinite(p999Ms)
        ? p99
        : p99 + String.format(Locale.ROOT, ", p99.9 ≤ %.0f ms", p999Ms);
  }
}
