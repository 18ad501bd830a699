package io.scp.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How every traffic command drives its scenario: loop, load, length, encoding and report. */
final class DriveOptions {
  // picocli sets a negatable option to the opposite of its default when the given name is used:
  // so the name is the negative one (--no-provision: false), and --provision gives true
  @Option(
      names = "--no-provision",
      defaultValue = "true",
      negatable = true,
      description = "do not provision what the run needs first")
  boolean provision;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "open loop: units started per second (0: closed loop)")
  double rate;

  @Option(
      names = "--concurrency",
      defaultValue = "32",
      description = "closed loop: workers in parallel")
  int concurrency;

  @Option(names = "--max-in-flight", defaultValue = "5000")
  int maxInFlight;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = LoadtestMain.DurationConverter.class)
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "10s",
      converter = LoadtestMain.DurationConverter.class,
      description = "unmeasured traffic first")
  Duration warmup;

  @Option(names = "--format", defaultValue = "json", description = "json or protobuf")
  String format;

  @Option(
      names = "--report",
      description =
          "report directory (default target/<command>-report, calls: target/loadtest-report)")
  Path report;

  Wire wire() {
    return Wire.of(format);
  }

  /** The most units this run can have in flight at once. */
  int maxParallelUnits() {
    return rate > 0 ? maxInFlight : concurrency;
  }
}
