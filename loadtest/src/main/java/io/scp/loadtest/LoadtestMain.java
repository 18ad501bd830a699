package io.scp.loadtest;

import java.time.Duration;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code loadtest}: provision, drive prepaid VPN calls, IMS registrations, SIP-URI allocations or
 * CPM messages, run chaos against a local cluster, and the benchmark of record.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    description = "Traffic generator and chaos runner for scp. Talks to nodes over HTTP only.",
    subcommands = {
      ProvisionCommand.class,
      CallsCommand.class,
      ImsCommand.class,
      SipUriCommand.class,
      CpmCommand.class,
      ChaosCommand.class,
      BenchCommand.class
    })
public final class LoadtestMain {
  static final String DEFAULT_TARIFF =
      "{\"name\":\"loadtest\",\"onNetRatePerMinute\":6,\"offNetRatePerMinute\":12,\"connectFee\":1,"
          + "\"billingIncrementSeconds\":6,\"allowOffNet\":true,\"maxCallSeconds\":3600}";

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line, every subcommand's help showing its options' defaults. */
  static CommandLine commandLine() {
    CommandLine line = new CommandLine(new LoadtestMain());
    line.getCommandSpec().usageMessage().showDefaultValues(true);
    line.getSubcommands()
        .values()
        .forEach(sub -> sub.getCommandSpec().usageMessage().showDefaultValues(true));
    return line;
  }

  /** Reads 30s, 5m, 500ms, or a plain number of seconds. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase();
      if (v.endsWith("ms"))
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      if (v.endsWith("s"))
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      if (v.endsWith("m"))
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      return Duration.ofSeconds(
          Long.parseLong(Arrays.stream(v.split("\\s")).findFirst().orElse("0")));
    }
  }
}
