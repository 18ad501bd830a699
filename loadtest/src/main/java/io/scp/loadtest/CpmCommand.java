package io.scp.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "cpm",
    mixinStandardHelpOptions = true,
    description = {
      "Drive CPM pager-mode messages between provisioned users (recipients offline: stored).",
      "One unit: one POST /v1/cpm/messages to one recipient."
    })
final class CpmCommand implements Callable<Integer> {
  @Mixin TargetOptions target;
  @Mixin DriveOptions drive;

  @Option(
      names = "--users",
      defaultValue = "1000",
      description = "CPM users (senders and recipients)")
  int users;

  @Option(
      names = "--validity",
      defaultValue = "60s",
      converter = LoadtestMain.DurationConverter.class,
      description = "validity of every message: how long it waits in the recipient's mailbox")
  Duration validity;

  @Option(names = "--body-chars", defaultValue = "160", description = "message body length")
  int bodyChars;

  @Override
  public Integer call() throws Exception {
    var population = new CpmPopulation(target.runId, users);
    var scenario =
        new CpmScenario(population, drive.wire(), Math.max(1, validity.toSeconds()), bodyChars);
    if (drive.provision) target.provisioner().provision(population);
    Path report = drive.report != null ? drive.report : Path.of("target", "cpm-report");
    return TrafficRun.execute(scenario, target, drive, report, System.out);
  }
}
