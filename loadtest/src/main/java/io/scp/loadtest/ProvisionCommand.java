package io.scp.loadtest;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "provision",
    mixinStandardHelpOptions = true,
    description = "Create the VPN groups, accounts and subscribers of the calls scenario.")
final class ProvisionCommand implements Callable<Integer> {
  @Mixin TargetOptions target;
  @Mixin CallPopulationOptions callers;

  @Override
  public Integer call() {
    long started = System.nanoTime();
    target.provisioner().provision(callers.population(target.runId), LoadtestMain.DEFAULT_TARIFF);
    System.out.printf(
        "provisioned %d subscribers in %d groups in %.1f s%n",
        callers.subscribers, callers.groups, (System.nanoTime() - started) / 1e9);
    return 0;
  }
}
