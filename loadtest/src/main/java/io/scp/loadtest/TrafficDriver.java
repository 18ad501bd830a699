package io.scp.loadtest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Drives prepaid VPN calls for a fixed duration, either open-loop (calls start at a target rate,
 * whatever the answers do; at most {@code maxInFlight} at once) or closed-loop (a fixed number of
 * callers, each starting its next call when the last one is done). Prints a progress line every few
 * seconds and stops by itself.
 */
public final class TrafficDriver {
  public record Plan(
      Duration duration,
      double ratePerSecond,
      int concurrency,
      int maxInFlight,
      boolean quota,
      int talkMaxSeconds,
      long seed) {}

  private final CallScenario scenario;
  private final Population population;
  private final Latencies latencies;
  private final PrintStream out;

  public TrafficDriver(
      CallScenario scenario, Population population, Latencies latencies, PrintStream out) {
    this.scenario = scenario;
    this.population = population;
    this.latencies = latencies;
    this.out = out;
  }

  public RunResult run(Plan plan) throws InterruptedException {
    RunResult result = new RunResult();
    List<Population.Member> members = population.members();
    long started = System.nanoTime();
    long deadline = started + plan.duration().toNanos();
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
    progress.scheduleAtFixedRate(() -> printProgress(result, started), 5, 5, TimeUnit.SECONDS);
    try {
      if (plan.ratePerSecond() > 0) openLoop(plan, members, deadline, result);
      else closedLoop(plan, members, deadline, result);
    } finally {
      progress.shutdownNow();
    }
    result.durationNanos = System.nanoTime() - started;
    printProgress(result, started);
    return result;
  }

  private CompletableFuture<Void> oneCall(
      List<Population.Member> members,
      Random random,
      boolean quota,
      int talkMax,
      RunResult result) {
    Population.Member[] pair;
    synchronized (random) {
      pair = Population.pair(members, population.groups(), random);
    }
    long talk = 1 + Math.floorMod(random.nextLong(), talkMax);
    String callId = "lt-" + population.runId() + "-" + UUID.randomUUID();
    return scenario
        .run(callId, pair[0].msisdn(), pair[1].shortNumber(), talk, quota)
        .exceptionally(
            e ->
                new CallScenario.Outcome(
                    callId,
                    pair[0].msisdn(),
                    CallScenario.Outcome.Kind.FAILED,
                    e.toString(),
                    0,
                    System.nanoTime()))
        .thenAccept(result::add);
  }

  private void openLoop(Plan plan, List<Population.Member> members, long deadline, RunResult result)
      throws InterruptedException {
    Random random = new Random(plan.seed());
    Semaphore inFlight = new Semaphore(plan.maxInFlight());
    long intervalNanos = (long) (1e9 / plan.ratePerSecond());
    long next = System.nanoTime();
    while (next < deadline) {
      long wait = next - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      if (inFlight.tryAcquire()) {
        oneCall(members, random, plan.quota(), plan.talkMaxSeconds(), result)
            .whenComplete((v, e) -> inFlight.release());
      } else {
        result.skipped.incrementAndGet();
      }
      next += intervalNanos;
    }
    inFlight.acquire(plan.maxInFlight());
  }

  private void closedLoop(
      Plan plan, List<Population.Member> members, long deadline, RunResult result)
      throws InterruptedException {
    CountDownLatch done = new CountDownLatch(plan.concurrency());
    for (int i = 0; i < plan.concurrency(); i++) {
      Random random = new Random(plan.seed() + i);
      loop(members, random, plan, deadline, result, done);
    }
    done.await();
  }

  private void loop(
      List<Population.Member> members,
      Random random,
      Plan plan,
      long deadline,
      RunResult result,
      CountDownLatch done) {
    if (System.nanoTime() >= deadline) {
      done.countDown();
      return;
    }
    oneCall(members, random, plan.quota(), plan.talkMaxSeconds(), result)
        .whenComplete((v, e) -> loop(members, random, plan, deadline, result, done));
  }

  private void printProgress(RunResult result, long started) {
    double seconds = (System.nanoTime() - started) / 1e9;
    var all = latencies.all();
    out.printf(
        "t=%5.0fs  calls ended=%d (%.0f/s)  released=%d  failed=%d  skipped=%d  p99 so far=%.1f ms%n",
        seconds,
        result.ended.get(),
        result.ended.get() / Math.max(seconds, 0.001),
        result.released.get(),
        result.failed.get(),
        result.skipped.get(),
        all.getTotalCount() == 0 ? 0 : all.getValueAtPercentile(99) / 1000.0);
    out.flush();
  }
}
