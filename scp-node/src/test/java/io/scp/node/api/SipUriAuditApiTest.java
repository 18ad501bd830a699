package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.common.Secret;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.sipuri.UriSegment;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/ops/sip-uri-pools/{poolId}/audit} on a real node and database with tokens on: the
 * journal of a pool used through the HTTP API passes with the right counts, an unknown pool is 404,
 * and only operators may ask.
 */
class SipUriAuditApiTest {
  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.api-tokens", "operator=audit-op,frontend=audit-fe"));
    anonymous = node.client();
    operator = anonymous.withToken("audit-op");
    frontend = anonymous.withToken("audit-fe");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String newPool(int size) {
    String poolId = "audit-" + UUID.randomUUID();
    var put = operator.put("/v1/sip-uri-pools/" + poolId, "{\"strategy\":\"ROUND_ROBIN\"}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    var add =
        operator.post(
            "/v1/sip-uri-pools/" + poolId + "/uris",
            "{\"range\":{\"from\":0,\"to\":"
                + (size - 1)
                + ",\"template\":\"sip:u{n}@"
                + poolId
                + ".example.com\"}}");
    assertThat(add.status()).as(add.toString()).isEqualTo(200);
    return poolId;
  }

  static ApiClient.Response allocate(String poolId, String msisdn) {
    return frontend.post(
        "/v1/sip-uri-pools/" + poolId + "/allocations", "{\"msisdn\":\"" + msisdn + "\"}");
  }

  static ApiClient.Response release(String poolId, String msisdn) {
    return frontend.post(
        "/v1/sip-uri-pools/" + poolId + "/allocations/" + msisdn + "/release", "{}");
  }

  static String msisdn(int i) {
    return String.format("86137%08d", i);
  }

  static JsonNode audit(String poolId) {
    var r = operator.get("/v1/ops/sip-uri-pools/" + poolId + "/audit");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  @Test
  void anAuditAfterAllocationsAndReleasesPassesWithTheRightCounts() {
    String poolId = newPool(5);
    for (int i = 0; i < 5; i++) assertThat(allocate(poolId, msisdn(i)).status()).isEqualTo(200);
    assertThat(allocate(poolId, msisdn(5)).code()).isEqualTo("POOL_EXHAUSTED");
    assertThat(allocate(poolId, msisdn(4)).status()).isEqualTo(200); // a replay: no new event
    for (int i = 0; i < 3; i++) assertThat(release(poolId, msisdn(i)).status()).isEqualTo(200);
    assertThat(release(poolId, msisdn(0)).status()).isEqualTo(200); // a replay: no new event
    assertThat(allocate(poolId, msisdn(5)).status()).isEqualTo(200);
    assertThat(allocate(poolId, msisdn(6)).status()).isEqualTo(200);
    assertThat(release(poolId, msisdn(5)).status()).isEqualTo(200);
    assertThat(
            frontend
                .post(
                    "/v1/sip-uri-pools/" + poolId + "/allocations/" + msisdn(3) + "/call-ended",
                    "{}")
                .status())
        .isEqualTo(200);

    JsonNode report = audit(poolId);
    List<String> fields = new ArrayList<>();
    report.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "poolId", "events", "allocations", "releases", "held", "slotsChecked", "violations");
    assertThat(report.get("poolId").asText()).isEqualTo(poolId);
    assertThat(report.get("violations").isArray()).isTrue();
    assertThat(report.get("violations")).as(report.toString()).isEmpty();
    assertThat(report.get("allocations").asLong()).isEqualTo(7);
    assertThat(report.get("releases").asLong()).isEqualTo(4);
    assertThat(report.get("held").asLong()).isEqualTo(3);
    assertThat(report.get("slotsChecked").asLong()).isEqualTo(5);
    // PoolConfigured, UrisAdded, 7 UriAllocated, 4 UriReleased, 1 ReleaseScheduled.
    assertThat(report.get("events").asLong()).isEqualTo(14);
    // The audit changed nothing: the pool still shows its three holders.
    assertThat(operator.get("/v1/sip-uri-pools/" + poolId).json().get("occupied").asInt())
        .isEqualTo(3);
  }

  @Test
  void concurrentAllocationsAndReleasesPassTheAudit() throws Exception {
    String poolId = newPool(6);
    List<String> users = new ArrayList<>();
    for (int i = 100; i < 115; i++) users.add(msisdn(i));

    Set<String> holders = allocateAll(poolId, users);
    assertThat(holders).hasSize(6);
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> releases = new ArrayList<>();
      for (String m : holders) {
        Callable<Integer> task = () -> release(poolId, m).status();
        releases.add(threads.submit(task));
      }
      for (Future<Integer> f : releases) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    } finally {
      threads.shutdownNow();
    }
    List<String> others = new ArrayList<>(users);
    others.removeAll(holders);
    assertThat(allocateAll(poolId, others)).hasSize(6);

    JsonNode report = audit(poolId);
    assertThat(report.get("violations")).as(report.toString()).isEmpty();
    assertThat(report.get("allocations").asLong()).isEqualTo(12);
    assertThat(report.get("releases").asLong()).isEqualTo(6);
    assertThat(report.get("held").asLong()).isEqualTo(6);
    assertThat(report.get("slotsChecked").asLong()).isEqualTo(6);
  }

  /** Every user asks at once; the users who got a URI. */
  static Set<String> allocateAll(String poolId, List<String> users) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(users.size());
    try {
      List<Future<ApiClient.Response>> answers = new ArrayList<>();
      for (String m : users) {
        Callable<ApiClient.Response> task = () -> allocate(poolId, m);
        answers.add(threads.submit(task));
      }
      Set<String> holders = new HashSet<>();
      for (int i = 0; i < users.size(); i++) {
        var r = answers.get(i).get(60, TimeUnit.SECONDS);
        if (r.status() == 200) holders.add(users.get(i));
        else assertThat(r.code()).as(r.toString()).isEqualTo("POOL_EXHAUSTED");
      }
      return holders;
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Journals written by hand (not by the entities) in which two users hold one URI: the endpoint
   * reads them from the database and reports both the pool's and the slot's violation.
   */
  @Test
  void aForgedJournalWhereTwoUsersHoldOneUriFailsTheAudit() throws Exception {
    String poolId = "forged-" + UUID.randomUUID();
    String uri = "sip:u0@" + poolId + ".example.com";
    Instant now = Instant.now();
    write(
        PersistenceId.of(SipUriPool.KEY.name(), poolId),
        List.of(
            new SipUriPool.PoolConfigured(SipUriPool.Strategy.ROUND_ROBIN, 300),
            new SipUriPool.UrisAdded(
                new UriSegment.Range("sip:u{n}@" + poolId + ".example.com", 0, 0, 2), new long[0]),
            new SipUriPool.UriAllocated(0, msisdn(200), 1, now),
            new SipUriPool.UriAllocated(0, msisdn(201), 2, now)));
    write(
        PersistenceId.of(SipUriSlot.KEY.name(), uri),
        List.of(
            new SipUriSlot.SlotClaimed(poolId, 0, new Secret("forged-password")),
            new SipUriSlot.UriBound(msisdn(200), 1, now, Optional.empty()),
            new SipUriSlot.UriBound(msisdn(201), 2, now, Optional.empty())));

    JsonNode report = audit(poolId);
    List<String> violations = new ArrayList<>();
    report.get("violations").forEach(v -> violations.add(v.asText()));
    assertThat(violations)
        .as(report.toString())
        .hasSize(2)
        .allSatisfy(v -> assertThat(v).contains("two users hold one URI", uri))
        .anySatisfy(v -> assertThat(v).startsWith("pool:"))
        .anySatisfy(v -> assertThat(v).startsWith("slot " + uri));
    assertThat(report.get("allocations").asLong()).isEqualTo(2);
    assertThat(report.get("held").asLong()).isEqualTo(2);
    assertThat(report.get("slotsChecked").asLong()).isEqualTo(1);
  }

  /** Persists {@code events} under {@code id} as they are, through the node's journal. */
  static void write(PersistenceId id, List<Object> events) throws Exception {
    ActorSystem<Void> system = node.node().system();
    ActorRef<JournalWriter.Write> writer =
        system.systemActorOf(
            new JournalWriter(id), "journal-writer-" + UUID.randomUUID(), Props.empty());
    AskPattern.<JournalWriter.Write, Done>ask(
            writer,
            r -> new JournalWriter.Write(events, r),
            Duration.ofSeconds(10),
            system.scheduler())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /** Writes the events it is given, nothing else. */
  static final class JournalWriter
      extends EventSourcedBehavior<JournalWriter.Write, Object, Integer> {
    record Write(List<Object> events, ActorRef<Done> replyTo) {}

    JournalWriter(PersistenceId id) {
      super(id);
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Write, Object, Integer> commandHandler() {
      return (state, cmd) ->
          Effect().persist(cmd.events()).thenRun(s -> cmd.replyTo().tell(Done.done()));
    }

    @Override
    public EventHandler<Integer, Object> eventHandler() {
      return (state, event) -> state + 1;
    }
  }

  @Test
  void anUnknownPoolIsNotFound() {
    var r = operator.get("/v1/ops/sip-uri-pools/no-such-pool-" + UUID.randomUUID() + "/audit");
    assertThat(r.status()).as(r.toString()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("UNKNOWN_POOL");
  }

  @Test
  void onlyOperatorsMayAudit() {
    String poolId = newPool(1);
    String path = "/v1/ops/sip-uri-pools/" + poolId + "/audit";
    assertThat(anonymous.get(path).status()).isEqualTo(401);
    var r = frontend.get(path);
    assertThat(r.status()).as(r.toString()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("FORBIDDEN");
    assertThat(operator.get(path).status()).isEqualTo(200);
  }
}
