package io.scp.loadtest;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * What every traffic command does once its scenario is ready: an unmeasured warm-up, the measured
 * run, then the report (markdown and latency chart) and the first failures. Exit code 0 only when
 * nothing failed.
 */
final class TrafficRun {
  private TrafficRun() {}

  static int execute(
      Scenario scenario, TargetOptions target, DriveOptions drive, Path report, PrintStream out)
      throws Exception {
    TrafficDriver.Plan warm =
        new TrafficDriver.Plan(drive.warmup, drive.rate, drive.concurrency, drive.maxInFlight, 1);
    if (!drive.warmup.isZero()) {
      out.println("warm-up " + drive.warmup.toSeconds() + " s");
      new TrafficDriver(scenario, target.api(new Latencies()), out).run(warm);
    }
    Latencies latencies = new Latencies();
    RunResult result =
        new TrafficDriver(scenario, target.api(latencies), out)
            .run(
                new TrafficDriver.Plan(
                    drive.duration, drive.rate, drive.concurrency, drive.maxInFlight, 42));
    Scenario.Labels labels = scenario.labels();
    String mode =
        drive.rate > 0
            ? "open loop at " + drive.rate + " " + labels.rate()
            : "closed loop, " + drive.concurrency + " " + labels.workers();
    out.println(
        Report.write(
            report,
            labels.what() + ", " + drive.wire().name() + ", " + mode,
            result,
            latencies,
            List.of(),
            null));
    result.failures().stream().limit(5).forEach(f -> out.println("failure: " + f));
    return result.failed.get() == 0 ? 0 : 1;
  }

  /** A closed loop needs one free identity (user) per worker. */
  static void requireEnough(DriveOptions drive, int available, String what) {
    if (drive.rate <= 0 && drive.concurrency > available) {
      throw new IllegalArgumentException(
          "--concurrency "
              + drive.concurrency
              + " needs at least as many "
              + what
              + " ("
              + available
              + ")");
    }
  }
}
