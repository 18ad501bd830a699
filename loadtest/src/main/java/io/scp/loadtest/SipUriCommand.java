package io.scp.loadtest;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "sip-uri",
    mixinStandardHelpOptions = true,
    description = {
      "Drive SIP-URI allocations over several pools.",
      "One unit: allocate a URI for a user, then release it."
    })
final class SipUriCommand implements Callable<Integer> {
  @Mixin TargetOptions target;
  @Mixin DriveOptions drive;

  @Option(
      names = "--users",
      defaultValue = "1000",
      description = "MSISDNs that take turns; each holds at most one URI")
  int users;

  @Option(names = "--pools", defaultValue = "32", description = "pools the users are spread over")
  int pools;

  @Option(
      names = "--strategy",
      defaultValue = "ROUND_ROBIN",
      description = "ROUND_ROBIN or IDLE_QUEUE")
  String strategy;

  @Override
  public Integer call() throws Exception {
    var population = new SipUriPopulation(target.runId, users, pools);
    var scenario = new SipUriScenario(population, drive.wire());
    TrafficRun.requireEnough(drive, scenario.users(), "--users");
    if (drive.provision) {
      target.provisioner().provision(population, strategy);
      System.out.printf(
          "provisioned %d pools of %d URIs%n", population.pools(), population.urisPerPool());
    }
    Path report = drive.report != null ? drive.report : Path.of("target", "sip-uri-report");
    return TrafficRun.execute(scenario, target, drive, report, System.out);
  }
}
