package io.scp.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code loadtest}: provision subscribers, drive prepaid VPN calls, run chaos against a local
 * cluster.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    description = "Traffic generator and chaos runner for scp. Talks to nodes over HTTP only.",
    subcommands = {
      LoadtestMain.Provision.class,
      LoadtestMain.Calls.class,
      ChaosCommand.class,
      BenchCommand.class
    })
public final class LoadtestMain {
  static final String DEFAULT_TARIFF =
      "{\"name\":\"loadtest\",\"onNetRatePerMinute\":6,\"offNetRatePerMinute\":12,\"connectFee\":1,"
          + "\"billingIncrementSeconds\":6,\"allowOffNet\":true,\"maxCallSeconds\":3600}";

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadtestMain()).execute(args));
  }

  /** Options every traffic command shares. */
  static final class Target {
    @Option(
        names = "--nodes",
        split = ",",
        defaultValue = "http://127.0.0.1:8080",
        description = "node API base URLs")
    List<String> nodes;

    @Option(
        names = "--token",
        defaultValue = "${env:SCP_LOADTEST_TOKEN}",
        description = "bearer token (operator)")
    String token;

    @Option(
        names = "--run-id",
        defaultValue = "run1",
        description = "prefix of every id this run creates")
    String runId;

    @Option(names = "--groups", defaultValue = "20")
    int groups;

    @Option(names = "--subscribers", defaultValue = "2000")
    int subscribers;

    @Option(
        names = "--balance",
        defaultValue = "100000000",
        description = "initial balance of every account")
    long balance;

    Population population() {
      return new Population(runId, groups, subscribers, balance);
    }

    ApiTarget api(Latencies latencies) {
      return new ApiTarget(nodes, token, latencies, 5, Duration.ofSeconds(10));
    }
  }

  @Command(
      name = "provision",
      mixinStandardHelpOptions = true,
      description = "Create groups, accounts and subscribers.")
  static final class Provision implements Callable<Integer> {
    @Mixin Target target;

    @Override
    public Integer call() {
      long started = System.nanoTime();
      new Provisioner(target.api(new Latencies())).provision(target.population(), DEFAULT_TARIFF);
      System.out.printf(
          "provisioned %d subscribers in %d groups in %.1f s%n",
          target.subscribers, target.groups, (System.nanoTime() - started) / 1e9);
      return 0;
    }
  }

  @Command(
      name = "calls",
      mixinStandardHelpOptions = true,
      description = "Drive complete prepaid VPN calls for a duration.")
  static final class Calls implements Callable<Integer> {
    @Mixin Target target;

    @Option(
        names = "--provision",
        defaultValue = "true",
        negatable = true,
        description = "provision the population first")
    boolean provision;

    @Option(
        names = "--rate",
        defaultValue = "0",
        description = "open loop: calls started per second (0: closed loop)")
    double rate;

    @Option(
        names = "--concurrency",
        defaultValue = "32",
        description = "closed loop: callers in parallel")
    int concurrency;

    @Option(names = "--max-in-flight", defaultValue = "5000")
    int maxInFlight;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class)
    Duration duration;

    @Option(names = "--warmup", defaultValue = "10s", converter = DurationConverter.class)
    Duration warmup;

    @Option(names = "--format", defaultValue = "json", description = "json or protobuf")
    String format;

    @Option(names = "--quota", description = "ask for one more quota slice in every call")
    boolean quota;

    @Option(names = "--report", defaultValue = "target/loadtest-report")
    Path report;

    @Override
    public Integer call() throws Exception {
      if (provision)
        new Provisioner(target.api(new Latencies())).provision(target.population(), DEFAULT_TARIFF);
      boolean protobuf = format.equalsIgnoreCase("protobuf");
      if (!warmup.isZero()) {
        Latencies warm = new Latencies();
        System.out.println("warm-up " + warmup.toSeconds() + " s");
        new TrafficDriver(
                new CallScenario(target.api(warm), protobuf), target.population(), warm, System.out)
            .run(new TrafficDriver.Plan(warmup, rate, concurrency, maxInFlight, quota, 240, 1));
      }
      Latencies latencies = new Latencies();
      var scenario = new CallScenario(target.api(latencies), protobuf);
      RunResult result =
          new TrafficDriver(scenario, target.population(), latencies, System.out)
              .run(
                  new TrafficDriver.Plan(duration, rate, concurrency, maxInFlight, quota, 240, 42));
      String mode =
          rate > 0
              ? "open loop at " + rate + " calls/s"
              : "closed loop, " + concurrency + " callers";
      System.out.println(
          Report.write(
              report,
              "prepaid VPN calls, " + format + ", " + mode,
              result,
              latencies,
              List.of(),
              null));
      result.failures().stream().limit(5).forEach(f -> System.out.println("failure: " + f));
      return result.failed.get() == 0 ? 0 : 1;
    }
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
