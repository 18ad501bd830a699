package io.scp.loadtest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What a traffic run produced: every call's outcome, and the counters of the live progress line.
 */
public final class RunResult {
  public final ConcurrentLinkedQueue<CallScenario.Outcome> outcomes = new ConcurrentLinkedQueue<>();
  public final AtomicLong ended = new AtomicLong();
  public final AtomicLong released = new AtomicLong();
  public final AtomicLong failed = new AtomicLong();

  /** Calls the open-loop generator could not start because too many were in flight. */
  public final AtomicLong skipped = new AtomicLong();

  public volatile long durationNanos;

  void add(CallScenario.Outcome outcome) {
    outcomes.add(outcome);
    switch (outcome.kind()) {
      case ENDED -> ended.incrementAndGet();
      case RELEASED -> released.incrementAndGet();
      case FAILED -> failed.incrementAndGet();
    }
  }

  public long completed() {
    return ended.get() + released.get();
  }

  public double callsPerSecond() {
    return durationNanos == 0 ? 0 : ended.get() * 1e9 / durationNanos;
  }

  /** Release causes and how often they were given. */
  public Map<String, Long> releaseCauses() {
    return outcomes.stream()
        .filter(o -> o.kind() == CallScenario.Outcome.Kind.RELEASED)
        .collect(
            Collectors.groupingBy(
                CallScenario.Outcome::detail, TreeMap::new, Collectors.counting()));
  }

  public List<CallScenario.Outcome> failures() {
    return outcomes.stream().filter(o -> o.kind() == CallScenario.Outcome.Kind.FAILED).toList();
  }
}
