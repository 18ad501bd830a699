package io.scp.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Starts db + N node processes, drives prepaid calls over all of them, SIGKILLs and restarts",
      "one node every interval, then checks every invariant. Exit code 0 only if all hold."
    })
final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--jar", defaultValue = "scp-node/target/scp-node.jar")
  Path jar;

  @Option(names = "--work-dir", defaultValue = "target/chaos")
  Path workDir;

  @Option(names = "--report", defaultValue = "target/chaos-report")
  Path report;

  @Option(names = "--nodes", defaultValue = "3")
  int nodes;

  @Option(
      names = "--duration",
      defaultValue = "5m",
      converter = LoadtestMain.DurationConverter.class)
  Duration duration;

  @Option(
      names = "--kill-every",
      defaultValue = "30s",
      converter = LoadtestMain.DurationConverter.class)
  Duration killEvery;

  @Option(names = "--rate", defaultValue = "40", description = "calls started per second")
  double rate;

  @Option(names = "--subscribers", defaultValue = "300")
  int subscribers;

  @Option(names = "--groups", defaultValue = "10")
  int groups;

  @Override
  public Integer call() throws Exception {
    var settings =
        new ChaosRunner.Settings(
            jar,
            workDir.resolve("run-" + System.currentTimeMillis()),
            report,
            nodes,
            duration,
            killEvery,
            rate,
            subscribers,
            groups);
    ChaosRunner.Outcome outcome = new ChaosRunner(settings, System.out).run();
    boolean passed = outcome.passed(0.001, 20);
    System.out.println(passed ? "CHAOS PASSED" : "CHAOS FAILED");
    return passed ? 0 : 1;
  }
}
