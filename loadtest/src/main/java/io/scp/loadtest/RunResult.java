package io.scp.loadtest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What a traffic run produced: every unit's outcome, and the counters of the live progress line.
 */
public final class RunResult {
  private final Scenario.Labels labels;
  public final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  public final AtomicLong done = new AtomicLong();
  public final AtomicLong refused = new AtomicLong();
  public final AtomicLong failed = new AtomicLong();

  /**
   * Units not started: the open-loop generator had too many in flight, or the scenario had nothing
   * free to start one with.
   */
  public final AtomicLong skipped = new AtomicLong();

  public volatile long durationNanos;

  public RunResult(Scenario.Labels labels) {
    this.labels = labels;
  }

  public Scenario.Labels labels() {
    return labels;
  }

  void add(Outcome outcome) {
    switch (outcome.kind()) {
      case DONE -> done.incrementAndGet();
      case REFUSED -> refused.incrementAndGet();
      case FAILED -> failed.incrementAndGet();
      case SKIPPED -> skipped.incrementAndGet();
    }
    if (outcome.kind() != Outcome.Kind.SKIPPED) outcomes.add(outcome);
  }

  public long completed() {
    return done.get() + refused.get();
  }

  /** Completed units (not refused ones) per second of the run. */
  public double unitsPerSecond() {
    return durationNanos == 0 ? 0 : done.get() * 1e9 / durationNanos;
  }

  /** Refusal causes and how often they were given. */
  public Map<String, Long> refusalCauses() {
    return countDetails(Outcome.Kind.REFUSED);
  }

  /** Kinds of completed units (those that name one) and how many of each. */
  public Map<String, Long> doneKinds() {
    return countDetails(Outcome.Kind.DONE);
  }

  private Map<String, Long> countDetails(Outcome.Kind kind) {
    return outcomes.stream()
        .filter(o -> o.kind() == kind && !o.detail().isEmpty())
        .collect(Collectors.groupingBy(Outcome::detail, TreeMap::new, Collectors.counting()));
  }

  public List<Outcome> failures() {
    return outcomes.stream().filter(o -> o.kind() == Outcome.Kind.FAILED).toList();
  }
}
