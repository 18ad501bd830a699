package io.scp.loadtest;

import picocli.CommandLine.Option;

/** Who makes prepaid calls: VPN groups of prepaid subscribers. */
final class CallPopulationOptions {
  @Option(
      names = "--groups",
      defaultValue = "20",
      description = "VPN groups; with --no-provision the same number as provisioned")
  int groups;

  @Option(
      names = "--subscribers",
      defaultValue = "2000",
      description = "prepaid subscribers; with --no-provision the same number as provisioned")
  int subscribers;

  @Option(
      names = "--balance",
      defaultValue = "100000000",
      description = "initial balance of every account")
  long balance;

  Population population(String runId) {
    return new Population(runId, groups, subscribers, balance);
  }
}
