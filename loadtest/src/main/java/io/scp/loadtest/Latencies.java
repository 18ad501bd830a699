package io.scp.loadtest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latency of every request, per request kind, as HdrHistograms: one for the whole run and one per
 * second of the run (for the latency-over-time chart).
 */
public final class Latencies {
  private static final long MAX_MICROS = 60_000_000L;
  private final long startNanos = System.nanoTime();
  private final Map<String, ConcurrentHistogram> total = new ConcurrentHashMap<>();
  private final ConcurrentSkipListMap<Long, ConcurrentHistogram> perSecond =
      new ConcurrentSkipListMap<>();

  public void record(String kind, long startedNanos, long endedNanos) {
    long micros = Math.min(MAX_MICROS, Math.max(1, (endedNanos - startedNanos) / 1_000));
    total.computeIfAbsent(kind, k -> new ConcurrentHistogram(MAX_MICROS, 3)).recordValue(micros);
    long second = (endedNanos - startNanos) / 1_000_000_000L;
    perSecond
        .computeIfAbsent(second, s -> new ConcurrentHistogram(MAX_MICROS, 3))
        .recordValue(micros);
  }

  public long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  public long startNanos() {
    return startNanos;
  }

  /** Every request kind together. */
  public Histogram all() {
    Histogram all = new Histogram(MAX_MICROS, 3);
    total.values().forEach(all::add);
    return all;
  }

  /** How many requests of {@code kind} were sent (each attempt is one), answered or not. */
  public long count(String kind) {
    ConcurrentHistogram h = total.get(kind);
    return h == null ? 0 : h.getTotalCount();
  }

  public Map<String, ConcurrentHistogram> byKind() {
    return total;
  }

  public ConcurrentSkipListMap<Long, ConcurrentHistogram> perSecond() {
    return perSecond;
  }
}
