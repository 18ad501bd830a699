package io.scp.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The final report of a traffic run: units per second, refusals, errors and HdrHistogram
 * percentiles per request kind.
 */
public final class Report {
  private Report() {}

  public static String summary(String title, RunResult result, Latencies latencies) {
    StringBuilder s = new StringBuilder();
    s.append("## ").append(title).append("\n\n");
    Scenario.Labels labels = result.labels();
    s.append(
        String.format(
            "| duration | %s | %s | %s | failed | skipped |%n|---|---|---|---|---|---|%n| %.1f s | %d | %.1f | %d | %d | %d |%n%n",
            labels.done(),
            labels.rate(),
            labels.refused(),
            result.durationNanos / 1e9,
            result.done.get(),
            result.unitsPerSecond(),
            result.refused.get(),
            result.failed.get(),
            result.skipped.get()));
    if (!result.refusalCauses().isEmpty())
      s.append(labels.refusalCauses()).append(": ").append(result.refusalCauses()).append("\n\n");
    if (!result.doneKinds().isEmpty())
      s.append(labels.doneKinds()).append(": ").append(result.doneKinds()).append("\n\n");
    s.append(
        "| request | count | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n|---|---|---|---|---|---|---|\n");
    Map<String, Histogram> kinds = new TreeMap<>(latencies.byKind());
    kinds.put("all", latencies.all());
    kinds.forEach(
        (kind, h) ->
            s.append(
                String.format(
                    "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                    kind,
                    h.getTotalCount(),
                    ms(h, 50),
                    ms(h, 90),
                    ms(h, 99),
                    ms(h, 99.9),
                    h.getMaxValue() / 1000.0)));
    return s.toString();
  }

  static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }

  /** Writes report.md and latency.png into {@code dir}; returns the report text. */
  public static String write(
      Path dir,
      String title,
      RunResult result,
      Latencies latencies,
      List<Long> markers,
      String extra)
      throws IOException {
    Files.createDirectories(dir);
    String text = summary(title, result, latencies) + (extra == null ? "" : "\n" + extra);
    Files.writeString(dir.resolve("report.md"), text + "\n![latency over time](latency.png)\n");
    LatencyChart.write(latencies.perSecond(), markers, title, dir.resolve("latency.png"));
    return text;
  }
}
