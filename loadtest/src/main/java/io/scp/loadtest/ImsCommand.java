package io.scp.loadtest;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "ims",
    mixinStandardHelpOptions = true,
    description = {
      "Drive IMS registrations of a population (VoLTE and RCS IMPI per subscriber).",
      "One unit: one REGISTER (initial or re-registration) or de-registration of one IMPI."
    })
final class ImsCommand implements Callable<Integer> {
  @Mixin TargetOptions target;
  @Mixin DriveOptions drive;

  @Option(
      names = "--subscribers",
      defaultValue = "5000",
      description = "IMS subscribers; each has 2 IMPIs")
  int subscribers;

  @Option(
      names = "--expires",
      defaultValue = "3600",
      description = "expiresSeconds of every REGISTER")
  long expires;

  @Option(
      names = "--deregister-share",
      defaultValue = "0.1",
      description = "share of turns of a registered IMPI that de-register it")
  double deregisterShare;

  @Override
  public Integer call() throws Exception {
    var population = new ImsPopulation(target.runId, subscribers);
    var scenario = new ImsScenario(population, drive.wire(), expires, deregisterShare);
    TrafficRun.requireEnough(drive, scenario.identities(), "IMPIs");
    if (drive.provision) target.provisioner().provision(population);
    Path report = drive.report != null ? drive.report : Path.of("target", "ims-report");
    return TrafficRun.execute(scenario, target, drive, report, System.out);
  }
}
