package io.scp.loadtest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs any {@link Scenario} for a fixed duration, either open loop (units start at a target rate,
 * whatever the answers do; at most {@code maxInFlight} at once, the rest counted as skipped) or
 * closed loop (a fixed number of workers, each starting its next unit when the last one is done).
 * Prints a progress line every few seconds and stops by itself. Every request's latency is recorded
 * by the {@link ApiTarget} into its {@link Latencies}.
 */
public final class TrafficDriver {
  public record Plan(
      Duration duration, double ratePerSecond, int concurrency, int maxInFlight, long seed) {}

  private final Scenario scenario;
  private final ApiTarget api;
  private final PrintStream out;

  public TrafficDriver(Scenario scenario, ApiTarget api, PrintStream out) {
    this.scenario = scenario;
    this.api = api;
    this.out = out;
  }

  public RunResult run(Plan plan) throws InterruptedException {
    RunResult result = new RunResult(scenario.labels());
    long started = System.nanoTime();
    long deadline = started + plan.duration().toNanos();
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
    progress.scheduleAtFixedRate(() -> printProgress(result, started), 5, 5, TimeUnit.SECONDS);
    try {
      if (plan.ratePerSecond() > 0) openLoop(plan, deadline, result);
      else closedLoop(plan, deadline, result);
    } finally {
      progress.shutdownNow();
    }
    result.durationNanos = System.nanoTime() - started;
    printProgress(result, started);
    return result;
  }

  /** Starts one unit and records its outcome; the future completes when it is recorded. */
  private CompletableFuture<Void> oneUnit(Random random, RunResult result) {
    CompletableFuture<Outcome> unit;
    try {
      unit = scenario.unit(api, random);
    } catch (RuntimeException e) {
      unit = CompletableFuture.failedFuture(e);
    }
    return unit.exceptionally(e -> Outcome.failed("", "", e.toString())).thenAccept(result::add);
  }

  private void openLoop(Plan plan, long deadline, RunResult result) throws InterruptedException {
    Random random = new Random(plan.seed());
    Semaphore inFlight = new Semaphore(plan.maxInFlight());
    long intervalNanos = (long) (1e9 / plan.ratePerSecond());
    long next = System.nanoTime();
    while (next < deadline) {
      long wait = next - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      if (inFlight.tryAcquire()) {
        oneUnit(random, result).whenComplete((v, e) -> inFlight.release());
      } else {
        result.skipped.incrementAndGet();
      }
      next += intervalNanos;
    }
    inFlight.acquire(plan.maxInFlight());
  }

  private void closedLoop(Plan plan, long deadline, RunResult result) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(plan.concurrency());
    for (int i = 0; i < plan.concurrency(); i++) {
      Random random = new Random(plan.seed() + i);
      loop(random, deadline, result, done);
    }
    done.await();
  }

  /**
   * One worker: the next unit starts when the last one is done (in a loop while they finish at
   * once).
   */
  private void loop(Random random, long deadline, RunResult result, CountDownLatch done) {
    while (System.nanoTime() < deadline) {
      CompletableFuture<Void> unit = oneUnit(random, result);
      if (!unit.isDone()) {
        unit.whenComplete((v, e) -> loop(random, deadline, result, done));
        return;
      }
    }
    done.countDown();
  }

  private void printProgress(RunResult result, long started) {
    double seconds = (System.nanoTime() - started) / 1e9;
    var all = api.latencies().all();
    Scenario.Labels labels = result.labels();
    out.printf(
        "t=%5.0fs  %s=%d (%.0f/s)  %s=%d  failed=%d  skipped=%d  p99 so far=%.1f ms%n",
        seconds,
        labels.done(),
        result.done.get(),
        result.done.get() / Math.max(seconds, 0.001),
        labels.refused(),
        result.refused.get(),
        result.failed.get(),
        result.skipped.get(),
        all.getTotalCount() == 0 ? 0 : all.getValueAtPercentile(99) / 1000.0);
    out.flush();
  }
}
