package io.scp.loadtest;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The benchmark of one of the figures beside the calls (IMS registrations, SIP-URI
 * allocate+release, CPM messages) on one node: provisions what it needs, warms up at the highest
 * concurrency, then measures closed loop at each concurrency with protobuf bodies.
 */
final class ScenarioBench {
  /** A figure of the benchmark: its name, its scenario, and what one unit of it is. */
  record Figure(String name, Scenario scenario, String unit) {}

  static final List<String> NAMES = List.of("ims", "sip-uri", "cpm");

  private final List<String> nodes;
  private final PrintStream out;

  ScenarioBench(List<String> nodes, PrintStream out) {
    this.nodes = List.copyOf(nodes);
    this.out = out;
  }

  private ApiTarget api(Latencies latencies) {
    return new ApiTarget(nodes, null, latencies, 5, Duration.ofSeconds(10));
  }

  /** Provisions the figure's population, sized for {@code maxConcurrency} workers. */
  Figure prepare(String name, int maxConcurrency) {
    Wire wire = new Wire(true);
    Provisioner provisioner = new Provisioner(api(new Latencies()));
    long started = System.nanoTime();
    Figure figure =
        switch (name) {
          case "ims" -> {
            var population = new ImsPopulation("bench", Math.max(5_000, maxConcurrency));
            provisioner.provision(population);
            yield new Figure(
                "IMS registrations",
                new ImsScenario(population, wire, 3600, 0.1),
                "one REGISTER (initial or re-registration, `expiresSeconds` 3600) or one"
                    + " de-registration of one IMPI; "
                    + population.subscribers()
                    + " subscribers with a VoLTE and an RCS IMPI each are visited in turn, and"
                    + " 10 % of the turns of a registered IMPI de-register it (it registers again"
                    + " at its next turn)");
          }
          case "sip-uri" -> {
            var population = new SipUriPopulation("bench", Math.max(1_000, maxConcurrency), 8);
            provisioner.provision(population, "ROUND_ROBIN");
            yield new Figure(
                "SIP-URI allocate+release",
                new SipUriScenario(population, wire),
                "a user allocates a URI (`POST …/allocations`) and releases it (`POST"
                    + " …/release`): two requests; "
                    + population.users()
                    + " users take turns over "
                    + population.pools()
                    + " round-robin pools of "
                    + population.urisPerPool()
                    + " URIs");
          }
          case "cpm" -> {
            var population = new CpmPopulation("bench", 1_000);
            provisioner.provision(population);
            yield new Figure(
                "CPM messages",
                new CpmScenario(population, wire, 60, 160),
                "one pager-mode message (`POST /v1/cpm/messages`, 160 characters) from one of "
                    + population.users()
                    + " users to another; no device is connected, so it is stored in the"
                    + " recipient's mailbox (validity 60 s) and copied to the sender's history");
          }
          default ->
              throw new IllegalArgumentException("unknown scenario " + name + "; one of " + NAMES);
        };
    out.printf("%s: provisioned in %.1f s%n", name, (System.nanoTime() - started) / 1e9);
    return figure;
  }

  /** The warm-up, then one measured row per concurrency. */
  List<BenchRun> measure(
      Figure figure, List<Integer> concurrencies, Duration warmup, Duration duration)
      throws InterruptedException {
    int highest = Collections.max(concurrencies);
    out.println(figure.name() + ": warm-up " + warmup.toSeconds() + " s, " + highest + " clients");
    new TrafficDriver(figure.scenario(), api(new Latencies()), out)
        .run(new TrafficDriver.Plan(warmup, 0, highest, highest, 1));
    List<BenchRun> runs = new ArrayList<>();
    for (int c : concurrencies) {
      Latencies latencies = new Latencies();
      RunResult result =
          new TrafficDriver(figure.scenario(), api(latencies), out)
              .run(new TrafficDriver.Plan(duration, 0, c, c, c));
      out.printf(
          "%s, %d clients: %.1f %s%n",
          figure.name(), c, result.unitsPerSecond(), figure.scenario().labels().rate());
      runs.add(new BenchRun(figure.name(), c, result, latencies));
    }
    return runs;
  }
}
