package io.scp.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.ShardIds;
import io.scp.actors.cpm.CpmUser;
import io.scp.actors.vpn.VpnCall;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import io.scp.node.testing.WsDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion.CurrentShardRegionState;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes in one JVM on one PostgreSQL, joined through their seed-node list. Any node serves
 * any request; the operator view and the metrics describe the cluster; and entities with pending
 * deadlines (an account with an open reservation, an unanswered VPN call) move to a survivor when
 * their node crashes or leaves, with their state intact and their timers met there without any
 * request waking them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodeClusterTest {
  static final String TARIFF =
      "\"onNetRatePerMinute\":60,\"offNetRatePerMinute\":60,\"connectFee\":0,"
          + "\"billingIncrementSeconds\":1,\"maxCallSeconds\":3600";
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(28);

  static final List<TestNode> nodes = new ArrayList<>();

  /** Nodes still running; a crashed or departed node is removed. */
  static final List<TestNode> alive = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    List<Integer> ports = IntStream.range(0, 3).mapToObj(i -> freePort()).toList();
    List<String> seeds = ports.stream().map(p -> "pekko://scp@127.0.0.1:" + p).toList();
    ExecutorService starter = Executors.newFixedThreadPool(ports.size());
    try {
      List<CompletableFuture<TestNode>> starting =
          ports.stream()
              .map(
                  port ->
                      CompletableFuture.supplyAsync(
                          () -> TestNode.start(settings(port, seeds)), starter))
              .toList();
      starting.forEach(s -> nodes.add(s.join()));
    } finally {
      starter.shutdown();
    }
    alive.addAll(nodes);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> nodes.stream().allMatch(n -> upMembers(n.node().system()) == 3));
  }

  /** terminate() without coordinated shutdown is a crash; a graceful stop runs it explicitly. */
  static Map<String, Object> settings(int port, List<String> seeds) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("pekko.remote.artery.canonical.port", port);
    settings.put("pekko.cluster.seed-nodes", seeds);
    settings.put("pekko.cluster.split-brain-resolver.stable-after", "2s");
    settings.put("pekko.coordinated-shutdown.run-by-actor-system-terminate", "off");
    settings.put("scp.calls.answer-timeout", ANSWER_TIMEOUT.toSeconds() + "s");
    settings.put("scp.prepaid.owner-check-interval", "2s");
    return settings;
  }

  @AfterAll
  static void stopCluster() {
    alive.forEach(ThreeNodeClusterTest::leaveGracefully);
  }

  @Test
  @Order(1)
  void anyNodeServesAnyRequest() {
    String account = "acc-" + UUID.randomUUID();
    var opened =
        retryUntilServed(
            () -> api(0).put("/v1/accounts/" + account, "{\"balance\":5000,\"currency\":\"CNY\"}"));
    assertThat(opened.status()).as(opened.toString()).isEqualTo(201);
    assertThat(api(2).get("/v1/accounts/" + account).json().get("balance").asLong())
        .isEqualTo(5000);
    var reserved =
        api(1)
            .post(
                "/v1/accounts/" + account + "/reservations",
                "{\"reservationId\":\"r1\",\"amount\":700}");
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    var seen = api(2).get("/v1/accounts/" + account).json();
    assertThat(seen.get("reserved").asLong()).isEqualTo(700);
    assertThat(api(0).get("/v1/accounts/" + account).json()).isEqualTo(seen);
  }

  /**
   * Each step of a prepaid call through another node than the call's entity, so its commands,
   * replies and the asks to subscriber, group and account cross nodes and come back whole.
   */
  @Test
  @Order(1)
  void aPrepaidCallIsServedAcrossTheNodes() {
    var vpn = new VpnFixture(api(0));
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(10_000, "");
    vpn.join(group, "1", caller);
    vpn.join(group, "2", vpn.prepaid(10_000, ""));
    String callId = idHostedOn(nodes.get(2), VpnCall.KEY, "call-");

    var setup = new VpnFixture(api(0)).setup(callId, caller, "2");
    assertThat(setup.get("decision").asText()).as(setup.toString()).isEqualTo("CONNECT");
    assertThat(setup.get("prepaid").asBoolean()).isTrue();
    new VpnFixture(api(1)).answer(callId);
    var quota = new VpnFixture(api(0)).quota(callId, 2, 40);
    assertThat(quota.get("grantedSeconds").asLong()).as(quota.toString()).isPositive();
    var ended = new VpnFixture(api(1)).end(callId, 75);
    assertThat(ended.get("charge").asLong()).as(ended.toString()).isEqualTo(75);

    var seen = api(2).get("/v1/calls/" + callId).json();
    assertThat(seen.get("state").asText()).isEqualTo("ENDED");
    assertThat(seen.get("answeredAt").isTextual()).as(seen.toString()).isTrue();
    assertThat(new VpnFixture(api(2)).account(caller).get("deducted").asLong()).isEqualTo(75);
    new VpnFixture(api(1)).assertSettled(caller);
  }

  /**
   * CPM messages as large as the contract allows, stored for a user on another node and then
   * flushed, several in one page, to a device connected to a third: nothing between the nodes is
   * too large to cross.
   */
  @Test
  @Order(1)
  void largeCpmMessagesCrossTheNodes() {
    String user = cpmUserOn(nodes.get(2), api(0));
    String sender = cpmUserOn(nodes.get(1), api(1));
    String body = "x".repeat(1_000_000);
    for (int i = 0; i < 3; i++) {
      var r = api(1).post("/v1/cpm/messages", cpmMessage("big-" + i, sender, user, body));
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
    }
    try (WsDevice phone = WsDevice.connect(api(0).baseUrl(), user)) {
      for (int i = 0; i < 3; i++) {
        JsonNode frame = phone.next(Duration.ofSeconds(20));
        assertThat(frame).as("stored message " + i + " flushed across the nodes").isNotNull();
        assertThat(frame.get("body").asText()).hasSize(body.length());
      }
      var live = api(1).post("/v1/cpm/messages", cpmMessage("big-live", sender, user, body));
      assertThat(live.status()).as(live.toString()).isEqualTo(202);
      JsonNode frame = phone.next(Duration.ofSeconds(20));
      assertThat(frame).as("a live message across the nodes").isNotNull();
      assertThat(frame.get("messageId").asText()).isEqualTo("big-live");
    }
  }

  @Test
  @Order(2)
  void operatorViewShowsTheMembersAndWhereTheShardsAre() {
    for (int i = 0; i < 6; i++) {
      var r =
          retryUntilServed(
              () -> api(0).put("/v1/accounts/acc-" + UUID.randomUUID(), "{\"balance\":1}"));
      assertThat(r.status()).isEqualTo(201);
    }
    var response = api(1).get("/v1/ops/cluster");
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    // Statistics arrive only when every region answers in time; a moment of rebalancing is empty.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                api(1)
                        .get("/v1/ops/cluster")
                        .json()
                        .path("shards")
                        .path(PrepaidAccount.KEY.name())
                        .size()
                    == 3);
    JsonNode view = api(1).get("/v1/ops/cluster").json();
    assertThat(view.get("self").asText()).isEqualTo(address(1));
    assertThat(view.get("leader").asText()).isIn(address(0), address(1), address(2));
    assertThat(view.get("unreachable")).isEmpty();
    assertThat(view.get("members")).hasSize(3);
    for (JsonNode member : view.get("members")) {
      assertThat(member.get("status").asText()).isEqualTo("Up");
      assertThat(member.get("roles").toString()).contains("dc-default");
    }
    assertThat(texts(view.get("members"), "address"))
        .containsExactlyInAnyOrder(address(0), address(1), address(2));
    JsonNode accounts = view.get("shards").get(PrepaidAccount.KEY.name());
    assertThat(texts(accounts, "address"))
        .containsExactlyInAnyOrder(address(0), address(1), address(2));
    long entities = 0;
    long shards = 0;
    for (JsonNode region : accounts) {
      entities += region.get("entities").asLong();
      shards += region.get("shards").asLong();
    }
    assertThat(entities).isGreaterThanOrEqualTo(7);
    assertThat(shards).isBetween(1L, 128L);
    assertThat(view.get("shards").has(VpnCall.KEY.name())).isTrue();
  }

  @Test
  @Order(3)
  void metricsCountWhatWasSent() {
    ApiClient api = api(2);
    Map<String, Double> before = Prometheus.parse(api.get("/metrics"));
    // the journal counters are per node: the accounts must live on the node that is scraped
    for (int i = 0; i < 3; i++) {
      String account = idHostedOn(nodes.get(2), PrepaidAccount.KEY, "acc-");
      assertThat(api.put("/v1/accounts/" + account, "{\"balance\":9}").status()).isEqualTo(201);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(api.get("/v1/accounts/acc-unknown-" + UUID.randomUUID()).status()).isEqualTo(404);
    }
    assertThat(api.get("/v1/no/such/thing").status()).isEqualTo(404);
    var scraped = api.get("/metrics");
    assertThat(scraped.header("Content-Type")).startsWith("text/plain");
    Map<String, Double> after = Prometheus.parse(scraped);

    String count = "scp_http_request_duration_seconds_count";
    assertThat(delta(before, after, count, "PUT", "/v1/accounts/{accountId}", "2xx")).isEqualTo(3);
    assertThat(delta(before, after, count, "GET", "/v1/accounts/{accountId}", "4xx")).isEqualTo(2);
    assertThat(delta(before, after, count, "GET", "unmatched", "4xx")).isEqualTo(1);
    assertThat(delta(before, after, count, "GET", "/metrics", "2xx")).isEqualTo(1);
    String inf =
        Prometheus.key(
            "scp_http_request_duration_seconds_bucket",
            Map.of(
                "le",
                "+Inf",
                "method",
                "PUT",
                "route",
                "/v1/accounts/{accountId}",
                "status",
                "2xx"));
    assertThat(after.get(inf))
        .isEqualTo(after.get(series(count, "PUT", "/v1/accounts/{accountId}", "2xx")));

    assertThat(after.get("scp_journal_write_seconds_count")).isGreaterThan(0);
    assertThat(after.get("scp_journal_events_written_total")).isGreaterThanOrEqualTo(3);
    assertThat(after.get("scp_journal_write_failures_total")).isZero();
    assertThat(after.get("scp_cluster_members{status=\"up\"}")).isEqualTo(3);
    assertThat(after.get("scp_cluster_unreachable_members")).isZero();
    assertThat(
            after.get("scp_sharding_entities{entity_type=\"" + PrepaidAccount.KEY.name() + "\"}"))
        .isEqualTo(hostedHere(nodes.get(2).node().system(), PrepaidAccount.KEY));
  }

  @Test
  @Order(4)
  void entitiesOfACrashedNodeResumeOnTheSurvivorsWithTheirTimers() {
    TestNode victim = nodes.get(2);
    // deadlines well beyond the recovery (detection, SBR, removal margin, shard restart: ~10-16 s)
    Pending pending = pendingOn(victim, nodes.get(0), Duration.ofSeconds(30));
    // A device connected to a survivor, whose CPM user lives on the victim.
    String user = cpmUserOn(victim, nodes.get(0).client());
    String sender = cpmUserOn(nodes.get(1), nodes.get(1).client());
    try (WsDevice phone = WsDevice.connect(nodes.get(0).client().baseUrl(), user)) {
      sendCpm(nodes.get(1).client(), "m-before", sender, user);
      assertThat(phone.next(Duration.ofSeconds(10))).as("live before the crash").isNotNull();
      phone.ack("m-before");

      victim.node().system().terminate();
      alive.remove(victim);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> membersSeenBy(nodes.get(0)) == 2 && membersSeenBy(nodes.get(1)) == 2);

      pending.assertResumedOn(alive, nodes.get(0).client());
      // The user's mailbox now lives on a survivor; the connection finds it again.
      sendCpm(nodes.get(1).client(), "m-after", sender, user);
      JsonNode after = phone.next(Duration.ofSeconds(30));
      assertThat(after)
          .as("a message accepted after the crash reaches the open stream")
          .isNotNull();
      assertThat(after.get("messageId").asText()).isEqualTo("m-after");
    }
  }

  @Test
  @Order(5)
  void entitiesOfANodeThatLeavesMoveWithTheirTimers() {
    TestNode leaving = nodes.get(0);
    TestNode survivor = nodes.get(1);
    Pending pending = pendingOn(leaving, survivor, Duration.ofSeconds(8));

    leaveGracefully(leaving);
    alive.remove(leaving);
    await().atMost(Duration.ofSeconds(20)).until(() -> membersSeenBy(survivor) == 1);

    pending.assertResumedOn(alive, survivor.client());
  }

  /** An account with an open reservation and an unanswered call, both hosted on {@code host}. */
  record Pending(
      String account,
      long balance,
      String reservationId,
      Instant expiresAt,
      String callId,
      String caller) {

    void assertResumedOn(List<TestNode> survivors, ApiClient api) {
      // Remember-entities restarts the account on a survivor before anyone asks for it; the
      // account's owner check then starts the call, which is not remembered.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> hostedOn(survivors, PrepaidAccount.KEY, account));
      await().atMost(Duration.ofSeconds(20)).until(() -> hostedOn(survivors, VpnCall.KEY, callId));

      var a = api.get("/v1/accounts/" + account).json();
      assertThat(a.get("balance").asLong()).isEqualTo(balance);
      assertThat(a.get("reserved").asLong()).isEqualTo(300);
      assertThat(a.get("reservations").get(0).get("reservationId").asText())
          .isEqualTo(reservationId);
      var call = api.get("/v1/calls/" + callId);
      assertThat(call.status()).as(call.toString()).isEqualTo(200);
      assertThat(call.json().get("state").asText()).isNotEqualTo("RELEASED");

      await()
          .atMost(Duration.between(Instant.now(), expiresAt).plusSeconds(10))
          .until(() -> api.get("/v1/accounts/" + account).json().get("reserved").asLong() == 0);
      assertThat(Instant.now()).as("released at, not before, its deadline").isAfter(expiresAt);
      assertThat(api.get("/v1/accounts/" + account).json().get("balance").asLong())
          .isEqualTo(balance);

      await()
          .atMost(ANSWER_TIMEOUT.plusSeconds(10))
          .until(
              () -> api.get("/v1/calls/" + callId).json().get("state").asText().equals("RELEASED"));
      assertThat(api.get("/v1/calls/" + callId).json().get("cause").asText())
          .isEqualTo("NO_ANSWER");
      new VpnFixture(api).assertSettled(caller);
    }
  }

  /** Creates the pending work through {@code via} until each entity lands on {@code host}. */
  static Pending pendingOn(TestNode host, TestNode via, Duration ttl) {
    ApiClient api = via.client();
    String account = null;
    for (int i = 0; i < 10 && account == null; i++) {
      String candidate = idHostedOn(host, PrepaidAccount.KEY, "acc-");
      assertThat(api.put("/v1/accounts/" + candidate, "{\"balance\":2000}").status())
          .isEqualTo(201);
      if (hosts(host.node().system(), PrepaidAccount.KEY, candidate)) account = candidate;
    }
    assertThat(account).as("an account hosted on the chosen node").isNotNull();
    var reservation =
        api.post(
            "/v1/accounts/" + account + "/reservations",
            "{\"reservationId\":\"r-pending\",\"amount\":300,\"ttlSeconds\":"
                + ttl.toSeconds()
                + "}");
    assertThat(reservation.status()).as(reservation.toString()).isEqualTo(201);
    Instant expiresAt = Instant.parse(reservation.json().get("expiresAt").asText());

    var vpn = new VpnFixture(api);
    String group = vpn.group(TARIFF);
    String caller = vpn.prepaid(1_000, "");
    vpn.join(group, "1", caller);
    vpn.join(group, "2", vpn.postpaid());
    String callId = null;
    for (int i = 0; i < 10 && callId == null; i++) {
      String candidate = idHostedOn(host, VpnCall.KEY, "call-");
      vpn.setup(candidate, caller, "2");
      if (hosts(host.node().system(), VpnCall.KEY, candidate)) {
        callId = candidate;
      } else {
        vpn.end(candidate, 0);
      }
    }
    assertThat(callId).as("a call hosted on the chosen node").isNotNull();
    return new Pending(account, 2000, "r-pending", expiresAt, callId, caller);
  }

  // ------------------------------------------------------------------ helpers

  /** A CPM user provisioned through {@code api} whose mailbox entity lives on {@code host}. */
  static String cpmUserOn(TestNode host, ApiClient api) {
    for (int i = 0; i < 10; i++) {
      String address = idHostedOn(host, CpmUser.KEY, "sip:u-", "@cluster.example.com");
      var r =
          api.put(
              "/v1/cpm/users/" + URLEncoder.encode(address, StandardCharsets.UTF_8),
              "{\"displayName\":\"u\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      if (hosts(host.node().system(), CpmUser.KEY, address)) return address;
    }
    throw new AssertionError("no CPM user hosted on the chosen node");
  }

  /** Sends one message, retried with its id while the cluster recovers (503). */
  static void sendCpm(ApiClient api, String messageId, String from, String to) {
    String json = cpmMessage(messageId, from, to, "hello");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.post("/v1/cpm/messages", json).status() == 202);
  }

  static String cpmMessage(String messageId, String from, String to, String body) {
    return "{\"messageId\":\""
        + messageId
        + "\",\"from\":\""
        + from
        + "\",\"to\":[\""
        + to
        + "\"],\"body\":\""
        + body
        + "\"}";
  }

  /**
   * A new entity id likely to live on {@code host}: one whose shard is already there, or, when the
   * host has no shard of the type, one of a shard not allocated anywhere yet (least-shard
   * allocation gives it to the emptiest region). Picking by shard ({@link ShardIds}, as sharding
   * does) keeps the test independent of how earlier tests' remembered shards are spread.
   */
  static String idHostedOn(TestNode host, EntityTypeKey<?> key, String prefix) {
    return idHostedOn(host, key, prefix, "");
  }

  static String idHostedOn(TestNode host, EntityTypeKey<?> key, String prefix, String suffix) {
    int shards =
        host.node().system().settings().config().getInt("pekko.cluster.sharding.number-of-shards");
    // Rebalancing moves shards to an empty region every few seconds; a new shard goes there at
    // once. Both sets come from one look at the regions, so a shard in hand-off between the two
    // looks cannot leave nothing to choose from.
    Set<String> eligible =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> shardsToHost(host, key, shards), shardIds -> !shardIds.isEmpty());
    for (int i = 0; i < 1_000_000; i++) {
      String candidate = prefix + UUID.randomUUID() + suffix;
      if (eligible.contains(ShardIds.shardOf(candidate, shards))) return candidate;
    }
    throw new AssertionError("no id maps to a shard of " + key.name() + " on the chosen node");
  }

  /** The host's shards of the type, or, if it has none, the shards not allocated anywhere yet. */
  static Set<String> shardsToHost(TestNode host, EntityTypeKey<?> key, int shards) {
    Set<String> onHost = shardsOf(host, key);
    if (!onHost.isEmpty()) return onHost;
    Set<String> anywhere = allocatedAnywhere(key);
    Set<String> free = new HashSet<>();
    for (int i = 0; i < shards; i++) {
      String shard = Integer.toString(i);
      if (!anywhere.contains(shard)) free.add(shard);
    }
    return free;
  }

  static Set<String> allocatedAnywhere(EntityTypeKey<?> key) {
    Set<String> ids = new HashSet<>();
    alive.forEach(n -> ids.addAll(shardsOf(n, key)));
    return ids;
  }

  static Set<String> shardsOf(TestNode node, EntityTypeKey<?> key) {
    Set<String> ids = new HashSet<>();
    regionState(node.node().system(), key).getShards().forEach(shard -> ids.add(shard.shardId()));
    return ids;
  }

  static ApiClient api(int i) {
    return nodes.get(i).client();
  }

  static String address(int i) {
    return Cluster.get(nodes.get(i).node().system()).selfMember().address().toString();
  }

  static long upMembers(ActorSystem<?> system) {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up())
        .count();
  }

  static long membersSeenBy(TestNode node) {
    var state = Cluster.get(node.node().system()).state();
    return StreamSupport.stream(state.getMembers().spliterator(), false).count();
  }

  static boolean hostedOn(List<TestNode> survivors, EntityTypeKey<?> key, String id) {
    return survivors.stream().anyMatch(n -> hosts(n.node().system(), key, id));
  }

  static boolean hosts(ActorSystem<?> system, EntityTypeKey<?> key, String id) {
    return regionState(system, key).getShards().stream()
        .anyMatch(shard -> shard.getEntityIds().contains(id));
  }

  static double hostedHere(ActorSystem<?> system, EntityTypeKey<?> key) {
    return regionState(system, key).getShards().stream()
        .mapToInt(shard -> shard.getEntityIds().size())
        .sum();
  }

  static CurrentShardRegionState regionState(ActorSystem<?> system, EntityTypeKey<?> key) {
    return AskPattern.<ClusterShardingQuery, CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(),
            replyTo -> new GetShardRegionState(key, replyTo),
            Duration.ofSeconds(5),
            system.scheduler())
        .toCompletableFuture()
        .join();
  }

  /** The first requests after the cluster forms may find sharding still starting. */
  static ApiClient.Response retryUntilServed(Supplier<ApiClient.Response> call) {
    Predicate<ApiClient.Response> served = r -> r.status() != 503;
    ApiClient.Response[] last = new ApiClient.Response[1];
    await().atMost(Duration.ofSeconds(30)).until(() -> served.test(last[0] = call.get()));
    return last[0];
  }

  static void leaveGracefully(TestNode node) {
    ActorSystem<?> system = node.node().system();
    CoordinatedShutdown.get(system).run(CoordinatedShutdown.clusterLeavingReason());
    node.node().awaitTermination();
  }

  static List<String> texts(JsonNode array, String field) {
    List<String> values = new ArrayList<>();
    array.forEach(e -> values.add(e.get(field).asText()));
    return values;
  }

  static String series(String name, String method, String route, String status) {
    return Prometheus.key(name, Map.of("method", method, "route", route, "status", status));
  }

  static double delta(
      Map<String, Double> before,
      Map<String, Double> after,
      String name,
      String method,
      String route,
      String status) {
    String key = series(name, method, route, status);
    return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The samples of a Prometheus text exposition, keyed by name and labels sorted by name. */
  static final class Prometheus {
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    static Map<String, Double> parse(ApiClient.Response response) {
      assertThat(response.status()).as(response.toString()).isEqualTo(200);
      Map<String, Double> samples = new HashMap<>();
      for (String line : new String(response.body()).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) continue;
        int space = line.lastIndexOf(' ');
        String series = line.substring(0, space);
        int brace = series.indexOf('{');
        Map<String, String> labels = new TreeMap<>();
        if (brace >= 0) {
          Matcher m = LABEL.matcher(series.substring(brace));
          while (m.find()) labels.put(m.group(1), m.group(2));
        }
        samples.put(
            key(brace >= 0 ? series.substring(0, brace) : series, labels),
            Double.parseDouble(line.substring(space + 1)));
      }
      return samples;
    }

    static String key(String name, Map<String, String> labels) {
      if (labels.isEmpty()) return name;
      StringBuilder key = new StringBuilder(name).append('{');
      new TreeMap<>(labels).forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
      key.setLength(key.length() - 1);
      return key.append('}').toString();
    }
  }
}
