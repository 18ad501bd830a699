package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.api.proto.AllocateSipUriRequest;
import io.scp.api.proto.SipUriAllocation;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
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
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shared temporary SIP-URIs through the real HTTP API on a real node and database: exclusivity
 * under concurrent allocation and across a restart, both strategies, the hold timer, replays, and
 * bad input.
 */
class SipUriApiTest {
  static final int MAX_BATCH = 1000;
  static final Map<String, Object> SETTINGS = Map.of("scp.sip-uri.max-batch", MAX_BATCH);

  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start(SETTINGS);
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** Stops the node and starts a new one on the same database. */
  static void restart() {
    node.close();
    node = TestNode.start(SETTINGS);
    api = node.client();
  }

  /** A new pool with {@code size} URIs sip:u0@domain.. and its domain. */
  static String newPool(String strategy, int maxHold, int size) {
    String poolId = "pool-" + UUID.randomUUID();
    var put =
        api.put(
            "/v1/sip-uri-pools/" + poolId,
            "{\"strategy\":\"" + strategy + "\",\"maxHoldSeconds\":" + maxHold + "}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    var add =
        api.post(
            "/v1/sip-uri-pools/" + poolId + "/uris",
            "{\"range\":{\"from\":0,\"to\":"
                + (size - 1)
                + ",\"template\":\"sip:u{n}@"
                + poolId
                + ".ims.example.com\"}}");
    assertThat(add.status()).as(add.toString()).isEqualTo(200);
    assertThat(add.json().get("added").asInt()).isEqualTo(size);
    return poolId;
  }

  static String uri(String poolId, int n) {
    return "sip:u" + n + "@" + poolId + ".ims.example.com";
  }

  static ApiClient.Response allocate(String poolId, String msisdn) {
    return api.post(
        "/v1/sip-uri-pools/" + poolId + "/allocations", "{\"msisdn\":\"" + msisdn + "\"}");
  }

  static String allocated(String poolId, String msisdn) {
    var r = allocate(poolId, msisdn);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("uri").asText();
  }

  static ApiClient.Response release(String poolId, String msisdn) {
    return api.post("/v1/sip-uri-pools/" + poolId + "/allocations/" + msisdn + "/release", "{}");
  }

  static JsonNode lookup(String uri) {
    var r = api.get("/v1/sip-uris/" + URLEncoder.encode(uri, StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static JsonNode pool(String poolId) {
    var r = api.get("/v1/sip-uri-pools/" + poolId);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static String msisdn(int i) {
    return String.format("86139%08d", i);
  }

  /** Every msisdn asks at once (twice each, as a retrying front end would); answers by msisdn. */
  static Map<String, List<ApiClient.Response>> allocateConcurrently(
      String poolId, List<String> msisdns) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(msisdns.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      Map<String, Future<List<ApiClient.Response>>> futures = new HashMap<>();
      for (String m : msisdns) {
        Callable<List<ApiClient.Response>> task =
            () -> {
              go.await();
              return List.of(allocate(poolId, m), allocate(poolId, m));
            };
        futures.put(m, threads.submit(task));
      }
      go.countDown();
      Map<String, List<ApiClient.Response>> answers = new HashMap<>();
      for (var e : futures.entrySet())
        answers.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS));
      return answers;
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Checks exclusivity: exactly {@code idle} msisdns got a URI (the same one on both tries), all
   * distinct, each slot bound to its holder; everyone else got 503 POOL_EXHAUSTED.
   */
  static Map<String, String> assertExclusive(
      Map<String, List<ApiClient.Response>> answers, int expectedHolders) {
    Map<String, String> holders = new HashMap<>();
    for (var e : answers.entrySet()) {
      var first = e.getValue().get(0);
      var second = e.getValue().get(1);
      if (first.status() == 200) {
        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        assertThat(second.json()).isEqualTo(first.json());
        assertThat(first.json().get("msisdn").asText()).isEqualTo(e.getKey());
        assertThat(first.json().get("password").asText().length()).isGreaterThanOrEqualTo(16);
        holders.put(e.getKey(), first.json().get("uri").asText());
      } else {
        assertThat(first.status()).as(first.toString()).isEqualTo(503);
        assertThat(first.code()).isEqualTo("POOL_EXHAUSTED");
      }
    }
    assertThat(holders).hasSize(expectedHolders);
    assertThat(new HashSet<>(holders.values())).as("no URI lent twice").hasSize(expectedHolders);
    holders.forEach(
        (msisdn, uri) -> {
          JsonNode slot = lookup(uri);
          assertThat(slot.get("state").asText()).isEqualTo("OCCUPIED");
          assertThat(slot.get("msisdn").asText()).isEqualTo(msisdn);
        });
    return holders;
  }

  @Test
  void concurrentAllocationIsExclusiveAlsoAfterARestart() throws Exception {
    String poolId = newPool("ROUND_ROBIN", 300, 20);
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 50; i++) users.add(msisdn(i));

    Map<String, String> holders = assertExclusive(allocateConcurrently(poolId, users), 20);
    assertThat(pool(poolId).get("occupied").asInt()).isEqualTo(20);
    assertThat(pool(poolId).get("idle").asInt()).isZero();

    // A pool whose hold timer is pending when the node goes down.
    String timed = newPool("IDLE_QUEUE", 3, 2);
    String timedUri = allocated(timed, msisdn(900));
    assertThat(
            api.post(
                    "/v1/sip-uri-pools/" + timed + "/allocations/" + msisdn(900) + "/call-ended",
                    "{}")
                .status())
        .isEqualTo(200);

    restart();

    // The same users ask again: holders get their own URI back, nobody else gets one.
    Map<String, String> again = assertExclusive(allocateConcurrently(poolId, users), 20);
    assertThat(again).isEqualTo(holders);

    // Five users release; fifty new users race for the five freed URIs.
    List<String> leaving = new ArrayList<>(holders.keySet()).subList(0, 5);
    Set<String> freed = new HashSet<>();
    for (String m : leaving) {
      var r = release(poolId, m);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().get("state").asText()).isEqualTo("IDLE");
      freed.add(r.json().get("uri").asText());
    }
    List<String> newcomers = new ArrayList<>();
    for (int i = 100; i < 150; i++) newcomers.add(msisdn(i));
    Map<String, String> next = assertExclusive(allocateConcurrently(poolId, newcomers), 5);
    assertThat(new HashSet<>(next.values())).isEqualTo(freed);
    assertThat(pool(poolId).get("occupied").asInt()).isEqualTo(20);

    // The hold timer set before the restart still fired.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(lookup(timedUri).get("state").asText()).isEqualTo("IDLE"));
    assertThat(lookup(timedUri).get("deregisteredAt").isNull()).isFalse();
    assertThat(pool(timed).get("occupied").asInt()).isZero();
  }

  @Test
  void roundRobinStartsAfterThePositionLastHandedOut() {
    String poolId = newPool("ROUND_ROBIN", 300, 4);
    assertThat(allocated(poolId, msisdn(1))).isEqualTo(uri(poolId, 0));
    assertThat(allocated(poolId, msisdn(2))).isEqualTo(uri(poolId, 1));
    assertThat(allocated(poolId, msisdn(3))).isEqualTo(uri(poolId, 2));
    assertThat(release(poolId, msisdn(2)).status()).isEqualTo(200);
    assertThat(allocated(poolId, msisdn(4))).isEqualTo(uri(poolId, 3));
    assertThat(allocated(poolId, msisdn(5))).isEqualTo(uri(poolId, 1));
    var exhausted = allocate(poolId, msisdn(6));
    assertThat(exhausted.status()).isEqualTo(503);
    assertThat(exhausted.code()).isEqualTo("POOL_EXHAUSTED");
  }

  @Test
  void idleQueueHandsOutTheUriIdleLongest() {
    String poolId = newPool("IDLE_QUEUE", 300, 3);
    assertThat(allocated(poolId, msisdn(1))).isEqualTo(uri(poolId, 0));
    assertThat(allocated(poolId, msisdn(2))).isEqualTo(uri(poolId, 1));
    assertThat(release(poolId, msisdn(2)).status()).isEqualTo(200);
    assertThat(release(poolId, msisdn(1)).status()).isEqualTo(200);
    assertThat(allocated(poolId, msisdn(3))).isEqualTo(uri(poolId, 2));
    assertThat(allocated(poolId, msisdn(4))).isEqualTo(uri(poolId, 1));
    assertThat(allocated(poolId, msisdn(5))).isEqualTo(uri(poolId, 0));
    JsonNode p = pool(poolId);
    assertThat(p.get("strategy").asText()).isEqualTo("IDLE_QUEUE");
    assertThat(p.get("total").asInt()).isEqualTo(3);
    assertThat(p.get("occupied").asInt()).isEqualTo(3);
  }

  @Test
  void theHoldTimerReleasesTheUriAfterTheCallEnded() {
    String poolId = newPool("ROUND_ROBIN", 1, 2);
    String uri = allocated(poolId, msisdn(1));
    var ended =
        api.post("/v1/sip-uri-pools/" + poolId + "/allocations/" + msisdn(1) + "/call-ended", "{}");
    assertThat(ended.status()).as(ended.toString()).isEqualTo(200);
    assertThat(ended.json().get("uri").asText()).isEqualTo(uri);
    Instant releaseAt = Instant.parse(ended.json().get("releaseAt").asText());
    assertThat(releaseAt).isAfter(Instant.now().minusSeconds(5));

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(lookup(uri).get("state").asText()).isEqualTo("IDLE"));
    JsonNode slot = lookup(uri);
    assertThat(slot.get("msisdn").isNull()).isTrue();
    assertThat(Instant.parse(slot.get("deregisteredAt").asText())).isAfterOrEqualTo(releaseAt);
    assertThat(pool(poolId).get("occupied").asInt()).isZero();
    var late = release(poolId, msisdn(1));
    assertThat(late.status()).isEqualTo(200);
    assertThat(late.json().get("uri").asText()).isEqualTo(uri);
  }

  /**
   * A URI of the longest length allowed (256 characters) names a slot like any other, also after a
   * restart: its events are stored under a persistence id longer than 255 characters.
   */
  @Test
  void aUriOfTheLongestLengthAllowedIsServedAlsoAfterARestart() {
    String poolId = "pool-" + UUID.randomUUID();
    assertThat(api.put("/v1/sip-uri-pools/" + poolId, "{}").status()).isEqualTo(201);
    String domain = "@" + poolId + ".ims.example.com";
    String longest = "sip:" + "u".repeat(256 - "sip:".length() - domain.length()) + domain;
    assertThat(longest).hasSize(256);
    var add =
        api.post(
            "/v1/sip-uri-pools/" + poolId + "/uris", "{\"uris\":[{\"uri\":\"" + longest + "\"}]}");
    assertThat(add.status()).as(add.toString()).isEqualTo(200);
    assertThat(allocated(poolId, msisdn(7))).isEqualTo(longest);

    restart();
    assertThat(lookup(longest).get("state").asText()).isEqualTo("OCCUPIED");
    var released = release(poolId, msisdn(7));
    assertThat(released.status()).as(released.toString()).isEqualTo(200);
    assertThat(lookup(longest).get("state").asText()).isEqualTo("IDLE");
  }

  @Test
  void allocateAndReleaseCanBeReplayed() {
    String poolId = newPool("ROUND_ROBIN", 300, 3);
    var first = allocate(poolId, msisdn(1));
    var replay = allocate(poolId, msisdn(1));
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(first.json());
    assertThat(first.json().get("allocatedAt").asText()).isNotEmpty();
    JsonNode slot = lookup(first.json().get("uri").asText());
    assertThat(slot.get("poolId").asText()).isEqualTo(poolId);
    assertThat(slot.get("allocatedAt").asText())
        .isEqualTo(first.json().get("allocatedAt").asText());
    assertThat(slot.has("password")).isFalse();

    var released = release(poolId, msisdn(1));
    assertThat(released.status()).isEqualTo(200);
    assertThat(released.json().get("uri").asText()).isEqualTo(first.json().get("uri").asText());
    assertThat(release(poolId, msisdn(1)).json()).isEqualTo(released.json());
    assertThat(lookup(first.json().get("uri").asText()).get("state").asText()).isEqualTo("IDLE");

    var never = release(poolId, msisdn(2));
    assertThat(never.status()).isEqualTo(404);
    assertThat(never.code()).isEqualTo("NOT_ALLOCATED");
    var noCall =
        api.post("/v1/sip-uri-pools/" + poolId + "/allocations/" + msisdn(2) + "/call-ended", "{}");
    assertThat(noCall.status()).isEqualTo(404);
    assertThat(noCall.code()).isEqualTo("NOT_ALLOCATED");
  }

  @Test
  void allocationSpeaksProtobuf() throws Exception {
    String poolId = newPool("ROUND_ROBIN", 300, 2);
    byte[] body = AllocateSipUriRequest.newBuilder().setMsisdn(msisdn(1)).build().toByteArray();
    var r =
        api.send(
            "POST", "/v1/sip-uri-pools/" + poolId + "/allocations", body, "application/x-protobuf");
    assertThat(r.status()).isEqualTo(200);
    SipUriAllocation a = SipUriAllocation.parseFrom(r.body());
    assertThat(a.getUri()).isEqualTo(uri(poolId, 0));
    assertThat(a.getMsisdn()).isEqualTo(msisdn(1));
    assertThat(a.getPassword()).hasSizeGreaterThanOrEqualTo(16);
    var json = allocate(poolId, msisdn(1));
    assertThat(json.json().get("password").asText()).isEqualTo(a.getPassword());
    var garbage =
        api.send(
            "POST",
            "/v1/sip-uri-pools/" + poolId + "/allocations",
            new byte[] {(byte) 0xff, 0x01},
            "application/x-protobuf");
    assertThat(garbage.status()).isEqualTo(400);
  }

  @Test
  void provisioningCountsAddedAndSkipped() {
    String poolId = "pool-" + UUID.randomUUID();
    String domain = poolId + ".ims.example.com";
    var noPool =
        api.post(
            "/v1/sip-uri-pools/" + poolId + "/uris",
            "{\"uris\":[{\"uri\":\"sip:a@" + domain + "\"}]}");
    assertThat(noPool.status()).isEqualTo(404);
    assertThat(noPool.code()).isEqualTo("UNKNOWN_POOL");

    assertThat(api.put("/v1/sip-uri-pools/" + poolId, "{}").status()).isEqualTo(201);
    JsonNode p = pool(poolId);
    assertThat(p.get("strategy").asText()).isEqualTo("ROUND_ROBIN");
    assertThat(p.get("maxHoldSeconds").asInt()).isEqualTo(300);
    assertThat(api.put("/v1/sip-uri-pools/" + poolId, "{}").status()).isEqualTo(200);

    var range =
        api.post(
            "/v1/sip-uri-pools/" + poolId + "/uris",
            "{\"range\":{\"from\":8,\"to\":11,\"width\":3,\"template\":\"sip:+86{n}@"
                + domain
                + "\"}}");
    assertThat(range.json().toString()).isEqualTo("{\"added\":4,\"skipped\":0,\"total\":4}");
    var list =
        api.post(
            "/v1/sip-uri-pools/" + poolId + "/uris",
            "{\"uris\":[{\"uri\":\"sip:+86010@"
                + domain
                + "\",\"password\":\"kept-as-given-0001\"},{\"uri\":\"sip:x@"
                + domain
                + "\",\"password\":\"kept-as-given-0002\"},{\"uri\":\"sip:x@"
                + domain
                + "\"}]}");
    assertThat(list.json().toString()).isEqualTo("{\"added\":1,\"skipped\":2,\"total\":5}");
    Set<String> uris = new HashSet<>();
    Map<String, String> passwords = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      var a = allocate(poolId, msisdn(i)).json();
      uris.add(a.get("uri").asText());
      passwords.put(a.get("uri").asText(), a.get("password").asText());
    }
    assertThat(uris)
        .containsExactlyInAnyOrder(
            "sip:+86008@" + domain,
            "sip:+86009@" + domain,
            "sip:+86010@" + domain,
            "sip:+86011@" + domain,
            "sip:x@" + domain);
    assertThat(passwords.get("sip:x@" + domain)).isEqualTo("kept-as-given-0002");
    assertThat(passwords.get("sip:+86010@" + domain)).hasSize(20);

    // A URI belongs to one pool only.
    String other = "pool-" + UUID.randomUUID();
    api.put("/v1/sip-uri-pools/" + other, "{}");
    var taken =
        api.post(
            "/v1/sip-uri-pools/" + other + "/uris",
            "{\"uris\":[{\"uri\":\"sip:x@" + domain + "\"}]}");
    assertThat(taken.json().toString()).isEqualTo("{\"added\":0,\"skipped\":1,\"total\":0}");
    assertThat(lookup("sip:x@" + domain).get("poolId").asText()).isEqualTo(poolId);

    // Spellings of one SIP identity (scheme and host without case, %78 is x) are that URI: skipped
    // here and in another pool, found by a look-up in any spelling, never lent to a second user.
    String upper = domain.toUpperCase(java.util.Locale.ROOT);
    var spellings =
        api.post(
            "/v1/sip-uri-pools/" + other + "/uris",
            "{\"uris\":[{\"uri\":\"SIP:x@"
                + upper
                + "\"},{\"uri\":\"sip:%78@"
                + domain
                + "\"},{\"uri\":\"Sip:y@"
                + upper
                + "\"}]}");
    assertThat(spellings.json().toString()).isEqualTo("{\"added\":1,\"skipped\":2,\"total\":1}");
    assertThat(lookup("sip:x@" + upper).get("poolId").asText()).isEqualTo(poolId);
    assertThat(lookup("SIP:x@" + domain).get("uri").asText()).isEqualTo("sip:x@" + domain);
    assertThat(lookup("sip:%78@" + domain).get("msisdn").asText())
        .isEqualTo(lookup("sip:x@" + domain).get("msisdn").asText());
    assertThat(allocated(other, msisdn(9))).isEqualTo("sip:y@" + domain);
  }

  @Test
  void badInputIsRefusedWithACode() {
    String poolId = newPool("ROUND_ROBIN", 300, 1);
    String base = "/v1/sip-uri-pools/" + poolId;
    List<String[]> bad =
        List.of(
            new String[] {"PUT", "/v1/sip-uri-pools/bad%20id", "{}"},
            new String[] {"PUT", base, "{\"strategy\":\"RANDOM\"}"},
            new String[] {"PUT", base, "{\"strategy\":1}"},
            new String[] {"PUT", base, "{\"maxHoldSeconds\":-1}"},
            new String[] {"PUT", base, "{\"maxHoldSeconds\":\"60\"}"},
            new String[] {"PUT", base, "{\"maxHoldSeconds\":"},
            new String[] {"POST", base + "/uris", "{}"},
            new String[] {"POST", base + "/uris", "{\"uris\":[]}"},
            new String[] {
              "POST",
              base + "/uris",
              "{\"range\":{\"from\":0,\"to\":1,\"template\":\"sip:{n}@x\"},\"uris\":[{\"uri\":\"sip:a@x\"}]}"
            },
            new String[] {
              "POST", base + "/uris", "{\"range\":{\"from\":0,\"to\":1,\"template\":\"sip:a@x\"}}"
            },
            new String[] {
              "POST", base + "/uris", "{\"range\":{\"from\":5,\"to\":1,\"template\":\"sip:{n}@x\"}}"
            },
            new String[] {
              "POST",
              base + "/uris",
              "{\"range\":{\"from\":-1,\"to\":1,\"template\":\"sip:{n}@x\"}}"
            },
            new String[] {
              "POST", base + "/uris", "{\"range\":{\"to\":1,\"template\":\"sip:{n}@x\"}}"
            },
            new String[] {
              "POST",
              base + "/uris",
              "{\"range\":{\"from\":0,\"to\":1,\"template\":\"http://{n}\"}}"
            },
            new String[] {
              "POST",
              base + "/uris",
              "{\"range\":{\"from\":0,\"to\":" + MAX_BATCH + ",\"template\":\"sip:{n}@x\"}}"
            },
            new String[] {"POST", base + "/uris", "{\"uris\":[{\"uri\":\"sip:a b@x\"}]}"},
            new String[] {"POST", base + "/uris", "{\"uris\":[{\"password\":\"p\"}]}"},
            new String[] {
              "POST", base + "/uris", "{\"uris\":[{\"uri\":\"sip:a@x\",\"password\":\"\"}]}"
            },
            new String[] {"POST", base + "/uris", "{\"uris\":\"sip:a@x\"}"},
            new String[] {"POST", base + "/allocations", "{}"},
            new String[] {"POST", base + "/allocations", "{\"msisdn\":\"12ab5\"}"},
            new String[] {"POST", base + "/allocations", "{\"msisdn\":8613900000001}"},
            new String[] {"POST", base + "/allocations", "not json"},
            new String[] {"POST", base + "/allocations/123/release", "{}"},
            new String[] {"POST", base + "/allocations/8613900000001/call-ended", "[]"},
            new String[] {"GET", "/v1/sip-uris/not-a-sip-uri", null});
    for (String[] b : bad) {
      var r =
          api.send(
              b[0],
              b[1],
              b[2] == null ? null : b[2].getBytes(StandardCharsets.UTF_8),
              b[2] == null ? null : "application/json");
      assertThat(r.status()).as(String.join(" ", b) + " -> " + r).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    StringBuilder tooMany = new StringBuilder("{\"uris\":[");
    for (int i = 0; i <= MAX_BATCH; i++) {
      tooMany.append(i == 0 ? "" : ",").append("{\"uri\":\"sip:n").append(i).append("@x\"}");
    }
    var r = api.post(base + "/uris", tooMany.append("]}").toString());
    assertThat(r.status()).isEqualTo(400);
    assertThat(pool(poolId).get("total").asInt()).isEqualTo(1);

    var unknownPool = allocate("no-such-pool-" + UUID.randomUUID(), msisdn(1));
    assertThat(unknownPool.status()).isEqualTo(404);
    assertThat(unknownPool.code()).isEqualTo("UNKNOWN_POOL");
    var unknownUri =
        api.get("/v1/sip-uris/" + URLEncoder.encode("sip:nobody@nowhere", StandardCharsets.UTF_8));
    assertThat(unknownUri.status()).isEqualTo(404);
    assertThat(unknownUri.code()).isEqualTo("UNKNOWN_URI");
  }
}
