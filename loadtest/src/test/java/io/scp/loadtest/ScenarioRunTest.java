package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.scp.node.ScpNode;
import io.scp.persistence.EmbeddedDatabase;
import io.scp.persistence.Migrations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every traffic scenario for a few seconds against a real node in this JVM (real cluster of one,
 * sharding, embedded PostgreSQL, HTTP on an ephemeral port): units complete and nothing fails, in
 * protobuf through the engine and in JSON through the command line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScenarioRunTest {
  private static final Duration RUN = Duration.ofSeconds(3);
  private EmbeddedDatabase database;
  private ScpNode node;
  private String url;

  @BeforeAll
  void startNode() {
    database =
        EmbeddedDatabase.start(Path.of("target", "scenario-pg", UUID.randomUUID().toString()), 0);
    Config defaults = ConfigFactory.load();
    Migrations.apply(
        database.jdbcUrl(),
        defaults.getString("scp.db.user"),
        defaults.getString("scp.db.password"));
    Map<String, Object> settings =
        Map.of(
            "scp.db.jdbc-url",
            database.jdbcUrl(),
            "scp.http.port",
            0,
            "scp.api-tokens",
            "",
            "pekko.remote.artery.canonical.port",
            0,
            "pekko.management.http.port",
            0,
            "pekko.coordinated-shutdown.exit-jvm",
            "off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook",
            "off");
    node =
        ScpNode.start(
            ConfigFactory.load(
                ConfigFactory.parseMap(settings).withFallback(ConfigFactory.defaultApplication())));
    url = "http://127.0.0.1:" + node.httpPort();
  }

  @AfterAll
  void stopNode() {
    if (node != null) node.stop();
    if (database != null) database.close();
  }

  private ApiTarget api(Latencies latencies) {
    return new ApiTarget(List.of(url), null, latencies, 5, Duration.ofSeconds(10));
  }

  private RunResult drive(Scenario scenario, Latencies latencies) throws InterruptedException {
    return new TrafficDriver(scenario, api(latencies), System.out)
        .run(new TrafficDriver.Plan(RUN, 0, 4, 4, 7));
  }

  private static void assertClean(RunResult result) {
    assertThat(result.failures()).as("failures").isEmpty();
    assertThat(result.done.get()).as("units done").isGreaterThan(0);
    assertThat(result.skipped.get()).as("units skipped").isZero();
  }

  private int cli(String... args) {
    return LoadtestMain.commandLine().execute(args);
  }

  @Test
  void imsRegistrationsRefreshesAndDeregistrations(@TempDir Path report) throws Exception {
    // few identities, so that every one is visited several times in a few seconds
    var population = new ImsPopulation("t-ims", 4);
    new Provisioner(api(new Latencies())).provision(population);
    Latencies latencies = new Latencies();
    RunResult result = drive(new ImsScenario(population, new Wire(true), 600, 0.3), latencies);

    assertClean(result);
    assertThat(result.doneKinds()).containsKeys("initial", "refresh", "deregister");
    assertThat(latencies.byKind()).containsKeys("register", "deregister");

    assertThat(
            cli(
                "ims",
                "--nodes",
                url,
                "--run-id",
                "t-ims",
                "--no-provision",
                "--subscribers",
                "4",
                "--concurrency",
                "4",
                "--warmup",
                "0s",
                "--duration",
                "2s",
                "--report",
                report.toString()))
        .as("exit code of the ims command in JSON")
        .isZero();
    assertThat(Files.readString(report.resolve("report.md"))).contains("registrations/s");
    assertThat(report.resolve("latency.png")).exists();
  }

  @Test
  void sipUriAllocateAndRelease(@TempDir Path report) throws Exception {
    var population = new SipUriPopulation("t-sip", 12, 3);
    new Provisioner(api(new Latencies())).provision(population, "ROUND_ROBIN");
    RunResult result = drive(new SipUriScenario(population, new Wire(true)), new Latencies());

    assertClean(result);
    assertThat(
            cli(
                "sip-uri",
                "--nodes",
                url,
                "--run-id",
                "t-sip",
                "--no-provision",
                "--users",
                "12",
                "--pools",
                "3",
                "--concurrency",
                "4",
                "--warmup",
                "0s",
                "--duration",
                "2s",
                "--report",
                report.toString()))
        .as("exit code of the sip-uri command in JSON")
        .isZero();
    // every allocation was released again
    for (int p = 0; p < population.pools(); p++) {
      JsonNode pool = get("/v1/sip-uri-pools/" + population.poolId(p));
      assertThat(pool.path("total").asInt()).isEqualTo(population.urisPerPool());
      assertThat(pool.path("occupied").asInt()).as("occupied URIs of pool %d", p).isZero();
    }
  }

  @Test
  void cpmMessagesAreStoredForOfflineRecipients(@TempDir Path report) throws Exception {
    var population = new CpmPopulation("t-cpm", 6);
    new Provisioner(api(new Latencies())).provision(population);
    RunResult result = drive(new CpmScenario(population, new Wire(true), 60, 160), new Latencies());

    assertClean(result);
    assertThat(result.doneKinds()).containsOnlyKeys("STORED");
    assertThat(
            cli(
                "cpm",
                "--nodes",
                url,
                "--run-id",
                "t-cpm",
                "--no-provision",
                "--users",
                "6",
                "--concurrency",
                "4",
                "--warmup",
                "0s",
                "--duration",
                "2s",
                "--report",
                report.toString()))
        .as("exit code of the cpm command in JSON")
        .isZero();
    long pending = 0;
    List<JsonNode> users = new ArrayList<>();
    for (int u = 0; u < population.users(); u++) {
      users.add(get("/v1/cpm/users/" + population.pathSegment(u)));
      pending += users.get(u).path("pending").asLong();
    }
    // The users' views (pending and stored counts) say, should this fail, whether messages left
    // the mailboxes or never reached the histories.
    assertThat(pending)
        .as("messages waiting in the mailboxes of %s", users)
        .isGreaterThan(result.done.get());
  }

  @Test
  void callsCommandStillRuns(@TempDir Path report) throws Exception {
    assertThat(
            cli(
                "calls",
                "--nodes",
                url,
                "--run-id",
                "t-calls",
                "--subscribers",
                "20",
                "--groups",
                "2",
                "--concurrency",
                "2",
                "--warmup",
                "0s",
                "--duration",
                "2s",
                "--report",
                report.toString()))
        .isZero();
    assertThat(Files.readString(report.resolve("report.md")))
        .contains("| duration | calls ended | calls/s | released | failed | skipped |");
  }

  /**
   * First, on the fresh node: after a scenario, its entities (a CPM run's messages, say) stop or
   * shrink while the calls are held, and the heap they free can outweigh what the calls take.
   */
  @Test
  @Order(1)
  void heapOfHeldCallsIsMeasuredAndTheCallsAreEndedAfter() throws Exception {
    var population = new Population("t-mem", 2, 20, 1_000_000L);
    new Provisioner(api(new Latencies())).provision(population, LoadtestMain.DEFAULT_TARIFF);

    // This node runs in this JVM: the full collection is of this process's heap.
    var held =
        new MemoryBench(url, ProcessHandle.current().pid(), System.out)
            .liveCalls(population, 1_000, 8);

    assertThat(held.liveCalls()).as("call entities the held calls added").isEqualTo(1_000);
    assertThat(held.held().entities(MemoryBench.CALL_ENTITY)).isEqualTo(1_000);
    assertThat(held.bytesPerCall()).as("heap per held call").isPositive();
    for (Population.Member m : population.members()) {
      JsonNode account = get("/v1/accounts/" + m.accountId());
      assertThat(account.path("reserved").asLong()).as("reserved on %s", m.accountId()).isZero();
      assertThat(account.path("initialBalance").asLong() + account.path("toppedUp").asLong())
          .isEqualTo(account.path("balance").asLong() + account.path("deducted").asLong());
    }
  }

  private JsonNode get(String path) throws Exception {
    ApiTarget.Answer a =
        api(new Latencies()).send("check", "GET", path, null, ApiTarget.JSON).join();
    assertThat(a.status()).as("GET %s", path).isEqualTo(200);
    return new ObjectMapper().readTree(a.body());
  }
}
