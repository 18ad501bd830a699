package io.scp.loadtest;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "calls",
    mixinStandardHelpOptions = true,
    description =
        "Drive complete prepaid VPN calls for a duration. One unit: setup, answer, [quota], end.")
final class CallsCommand implements Callable<Integer> {
  @Mixin TargetOptions target;
  @Mixin CallPopulationOptions callers;
  @Mixin DriveOptions drive;

  @Option(names = "--quota", description = "ask for one more quota slice in every call")
  boolean quota;

  @Override
  public Integer call() throws Exception {
    Population population = callers.population(target.runId);
    if (drive.provision) target.provisioner().provision(population, LoadtestMain.DEFAULT_TARIFF);
    var scenario = new CallScenario(population, drive.wire(), quota, 240);
    Path report = drive.report != null ? drive.report : Path.of("target", "loadtest-report");
    return TrafficRun.execute(scenario, target, drive, report, System.out);
  }
}
