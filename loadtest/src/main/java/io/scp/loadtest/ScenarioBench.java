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
  /**
   * A figure ready to run: its name and subcommand, its scenario, what one unit of it is, and the
   * request kind and route the node's metrics are cross-checked on.
   */
  record Prepared(
      String name, String command, Scenario scenario, String unit, String kind, String route) {}

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
  Prepared prepare(String name, int maxConcurrency) {
    Wire wire = new Wire(true);
    Provisioner provisioner = new Provisioner(api(new Latencies()));
    long started = System.nanoTime();
    Prepared figure =
        switch (name) {
          case "ims" -> {
            var population = new ImsPopulation("bench", Math.max(5_000, maxConcurrency));
            provisioner.provision(population);
            yield new Prepared(
                "IMS registrations",
                name,
                new ImsScenario(population, wire, 3600, 0.1),
                "one REGISTER (initial or re-registration, `expiresSeconds` 3600) or one"
                    + " de-registration of one IMPI; "
                    + population.subscribers()
                    + " subscribers with a VoLTE and an RCS IMPI each are visited in turn, and"
                    + " 10 % of the turns of a registered IMPI de-register it (it registers again"
                    + " at its next turn)",
                "register",
                "/v1/ims/register");
          }
          case "sip-uri" -> {
            var population = new SipUriPopulation("bench", Math.max(1_000, maxConcurrency), 32);
            provisioner.provision(population, "ROUND_ROBIN");
            yield new Prepared(
                "SIP-URI allocate+release",
                name,
                new SipUriScenario(population, wire),
                "a user allocates a URI (`POST …/allocations`) and releases it (`POST"
                    + " …/release`): two requests; "
                    + population.users()
                    + " users take turns over "
                    + population.pools()
                    + " round-robin pools of "
                    + population.urisPerPool()
                    + " URIs",
                "allocate",
                "/v1/sip-uri-pools/{poolId}/allocations");
          }
          case "cpm" -> {
            var population = new CpmPopulation("bench", 1_000);
            provisioner.provision(population);
            yield new Prepared(
                "CPM messages",
                name,
                new CpmScenario(population, wire, 60, 160),
                "one pager-mode message (`POST /v1/cpm/messages`, 160 characters) from one of "
                    + population.users()
                    + " users to another; no device is connected, so it is stored in the"
                    + " recipient's mailbox (validity 60 s) and copied to the sender's history",
                "message",
                "/v1/cpm/messages");
          }
          default ->
              throw new IllegalArgumentException("unknown scenario " + name + "; one of " + NAMES);
        };
    out.printf("%s: provisioned in %.1f s%n", name, (System.nanoTime() - started) / 1e9);
    return figure;
  }

  /**
   * The warm-up, then one measured row per concurrency; the node's count of the figure's main
   * request is cross-checked against what was sent (warm-up included).
   */
  BenchMarkdown.Figure measure(
      Prepared figure, List<Integer> concurrencies, Duration warmup, Duration duration)
      throws Exception {
    long servedBefore = ServedRequests.count(nodes.get(0), "POST", figure.route());
    int highest = Collections.max(concurrencies);
    out.println(figure.name() + ": warm-up " + warmup.toSeconds() + " s, " + highest + " clients");
    Latencies warm = new Latencies();
    new TrafficDriver(figure.scenario(), api(warm), out)
        .run(new TrafficDriver.Plan(warmup, 0, highest, highest, 1));
    long sent = warm.count(figure.kind());
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
      sent += latencies.count(figure.kind());
    }
    long served = ServedRequests.count(nodes.get(0), "POST", figure.route()) - servedBefore;
    String crossCheck =
        String.format(
            "`%s` requests the loadtest sent (warm-up included): %d; `POST %s` the node counted in"
                + " `/metrics` meanwhile: %d",
            figure.kind(), sent, figure.route(), served);
    return new BenchMarkdown.Figure(
        figure.name(),
        figure.command(),
        figure.unit(),
        figure.scenario().labels(),
        runs,
        crossCheck);
  }
}
