package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.common.Cdr;
import io.scp.api.codec.ProtoJson;
import io.scp.api.proto.CdrList;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.CdrEmitter;
import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CDR read model end to end: events tagged "cdr" in the real journal, the projection into
 * PostgreSQL, and {@code GET /v1/cdrs} over HTTP. A test-only entity stands in for the chargeable
 * entities; the database is shared with other test classes, so every test uses its own MSISDNs.
 */
class CdrProjectionTest {
  static final String OPERATOR = "cdr-operator-token";
  static final String FRONTEND = "cdr-frontend-token";
  static final Map<String, Object> SETTINGS =
      Map.of("scp.api-tokens", "operator=" + OPERATOR + ",frontend=" + FRONTEND);
  static final Duration LAG = Duration.ofSeconds(20);
  static final Instant STARTED = Instant.parse("2024-03-01T10:00:00Z");

  static TestNode node;
  static ApiClient api;
  static CdrEmitter emitter;

  @BeforeAll
  static void start() {
    useNode(TestNode.start(SETTINGS));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static void useNode(TestNode started) {
    node = started;
    api = node.client().withToken(OPERATOR);
    emitter = CdrEmitter.start(node.node().system());
  }

  static String msisdn() {
    return "86" + ThreadLocalRandom.current().nextLong(10_000_000_000L, 100_000_000_000L);
  }

  static String cdrId() {
    return "cdr-" + UUID.randomUUID();
  }

  static Cdr call(String cdrId, String chargedParty, String caller, String destination) {
    return new Cdr(
        cdrId,
        Cdr.Type.CALL,
        chargedParty,
        Optional.of("acc-" + chargedParty),
        Optional.of("call-" + cdrId),
        Optional.of(caller),
        Optional.of("8001"),
        Optional.of(destination),
        Optional.of(true),
        Optional.of("CONNECT"),
        Optional.empty(),
        STARTED,
        Optional.of(STARTED.plusSeconds(3)),
        STARTED.plusSeconds(65),
        62,
        120,
        200,
        0);
  }

  static Cdr bare(String cdrId, Cdr.Type type, String chargedParty) {
    return new Cdr(
        cdrId,
        type,
        chargedParty,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        STARTED,
        Optional.empty(),
        STARTED,
        0,
        0,
        5,
        0);
  }

  static JsonNode cdrs(String query) {
    var r = api.get("/v1/cdrs" + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("cdrs");
  }

  static List<String> ids(JsonNode cdrs) {
    return StreamSupport.stream(cdrs.spliterator(), false)
        .map(c -> c.get("cdrId").asText())
        .toList();
  }

  static void awaitIds(String query, List<String> expected) {
    await().atMost(LAG).untilAsserted(() -> assertThat(ids(cdrs(query))).isEqualTo(expected));
  }

  static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static JsonNode only(String msisdn) {
    JsonNode list = cdrs("?msisdn=" + msisdn);
    assertThat(list).hasSize(1);
    return list.get(0);
  }

  @Test
  void aRecordCarriesEveryFieldOfTheContract() {
    String party = msisdn();
    String other = msisdn();
    Cdr full =
        new Cdr(
            cdrId(),
            Cdr.Type.CALL,
            party,
            Optional.of("acc-1"),
            Optional.of("call-1"),
            Optional.of(party),
            Optional.of("8002"),
            Optional.of(other),
            Optional.of(false),
            Optional.of("CONNECT"),
            Optional.of("NORMAL"),
            STARTED,
            Optional.of(Instant.parse("2024-03-01T10:00:04.250Z")),
            Instant.parse("2024-03-01T10:01:10Z"),
            66,
            120,
            300,
            25);
    emitter.emit(full);
    awaitIds("?msisdn=" + party, List.of(full.cdrId()));

    JsonNode c = only(party);
    assertThat(fieldNames(c))
        .containsExactlyInAnyOrder(
            "cdrId",
            "type",
            "chargedParty",
            "callId",
            "caller",
            "called",
            "destination",
            "onNet",
            "decision",
            "cause",
            "startedAt",
            "answeredAt",
            "endedAt",
            "talkSeconds",
            "billedSeconds",
            "charge",
            "shortfall",
            "accountId");
    assertThat(c.get("cdrId").asText()).isEqualTo(full.cdrId());
    assertThat(c.get("type").asText()).isEqualTo("CALL");
    assertThat(c.get("chargedParty").asText()).isEqualTo(party);
    assertThat(c.get("accountId").asText()).isEqualTo("acc-1");
    assertThat(c.get("callId").asText()).isEqualTo("call-1");
    assertThat(c.get("caller").asText()).isEqualTo(party);
    assertThat(c.get("called").asText()).isEqualTo("8002");
    assertThat(c.get("destination").asText()).isEqualTo(other);
    assertThat(c.get("onNet").isBoolean()).isTrue();
    assertThat(c.get("onNet").asBoolean()).isFalse();
    assertThat(c.get("decision").asText()).isEqualTo("CONNECT");
    assertThat(c.get("cause").asText()).isEqualTo("NORMAL");
    assertThat(c.get("startedAt").asText()).isEqualTo("2024-03-01T10:00:00Z");
    assertThat(c.get("answeredAt").asText()).isEqualTo("2024-03-01T10:00:04.250Z");
    assertThat(c.get("endedAt").asText()).isEqualTo("2024-03-01T10:01:10Z");
    assertThat(c.get("talkSeconds").asLong()).isEqualTo(66);
    assertThat(c.get("billedSeconds").asLong()).isEqualTo(120);
    assertThat(c.get("charge").isIntegralNumber()).isTrue();
    assertThat(c.get("charge").asLong()).isEqualTo(300);
    assertThat(c.get("shortfall").asLong()).isEqualTo(25);
  }

  @Test
  void absentValuesAreNull() {
    String party = msisdn();
    Cdr message = bare(cdrId(), Cdr.Type.MESSAGE, party);
    emitter.emit(message);
    awaitIds("?msisdn=" + party, List.of(message.cdrId()));

    JsonNode c = only(party);
    for (String field :
        List.of(
            "accountId",
            "callId",
            "caller",
            "called",
            "destination",
            "onNet",
            "decision",
            "cause",
            "answeredAt")) {
      assertThat(c.has(field)).as(field).isTrue();
      assertThat(c.get(field).isNull()).as(field).isTrue();
    }
    assertThat(c.get("type").asText()).isEqualTo("MESSAGE");
    assertThat(c.get("charge").asLong()).isEqualTo(5);
  }

  @Test
  void aCdrIdEmittedTwiceIsRecordedOnceAndTheFirstRecordStands() {
    String party = msisdn();
    Cdr first = call(cdrId(), party, party, msisdn());
    Cdr replayed =
        new Cdr(
            first.cdrId(),
            first.type(),
            first.chargedParty(),
            first.accountId(),
            first.callId(),
            first.caller(),
            first.called(),
            first.destination(),
            first.onNet(),
            first.decision(),
            first.cause(),
            first.startedAt(),
            first.answeredAt(),
            first.endedAt(),
            first.talkSeconds(),
            first.billedSeconds(),
            999,
            first.shortfall());
    Cdr later = bare(cdrId(), Cdr.Type.SESSION, party);
    emitter.emit(first);
    emitter.emit(first);
    CdrEmitter.start(node.node().system()).emit(replayed);
    emitter.emit(later);

    // The projection follows journal order: once the later record is there, so are the others.
    awaitIds("?msisdn=" + party, List.of(later.cdrId(), first.cdrId()));
    JsonNode list = cdrs("?msisdn=" + party);
    assertThat(list.get(1).get("charge").asLong()).isEqualTo(200);
  }

  @Test
  void anMsisdnMatchesChargedPartyCallerOrDestinationAndTypeFilters() {
    String m = msisdn();
    Cdr charged = call(cdrId(), m, m, msisdn());
    Cdr asCaller = call(cdrId(), msisdn(), m, msisdn());
    Cdr asDestination = call(cdrId(), msisdn(), msisdn(), m);
    Cdr message = bare(cdrId(), Cdr.Type.MESSAGE, m);
    Cdr unrelated = bare(cdrId(), Cdr.Type.VACP, msisdn());
    for (Cdr cdr : List.of(charged, asCaller, asDestination, message, unrelated)) {
      emitter.emit(cdr);
    }

    awaitIds(
        "?msisdn=" + m,
        List.of(message.cdrId(), asDestination.cdrId(), asCaller.cdrId(), charged.cdrId()));
    assertThat(ids(cdrs("?msisdn=" + m + "&type=CALL")))
        .containsExactly(asDestination.cdrId(), asCaller.cdrId(), charged.cdrId());
    assertThat(ids(cdrs("?msisdn=" + m + "&type=MESSAGE"))).containsExactly(message.cdrId());
    assertThat(ids(cdrs("?type=VACP&msisdn=" + m))).isEmpty();

    // the unrelated CDR was emitted last: wait for it too before looking at unfiltered lists
    awaitIds("?msisdn=" + unrelated.chargedParty(), List.of(unrelated.cdrId()));
    JsonNode vacp = cdrs("?type=VACP");
    assertThat(ids(vacp)).contains(unrelated.cdrId());
    vacp.forEach(c -> assertThat(c.get("type").asText()).isEqualTo("VACP"));
    assertThat(ids(cdrs("?msisdn=&type="))).contains(unrelated.cdrId());
  }

  @Test
  void limitKeepsTheNewestAndDefaultsToOneHundred() {
    String m = msisdn();
    List<String> emitted = new ArrayList<>();
    IntStream.range(0, 105)
        .forEach(
            i -> {
              Cdr cdr = bare(cdrId(), Cdr.Type.CALL, m);
              emitter.emit(cdr);
              emitted.add(0, cdr.cdrId());
            });

    awaitIds("?limit=1000&msisdn=" + m, emitted);
    assertThat(ids(cdrs("?msisdn=" + m))).isEqualTo(emitted.subList(0, 100));
    assertThat(ids(cdrs("?msisdn=" + m + "&limit=3"))).isEqualTo(emitted.subList(0, 3));
    assertThat(ids(cdrs("?msisdn=" + m + "&limit=1&type=CALL"))).isEqualTo(emitted.subList(0, 1));
    assertThat(cdrs("?limit=1")).hasSize(1);
    assertThat(cdrs("")).hasSize(100);
  }

  @Test
  void pagesWithTheNextCursorReachEveryRecordOnce() {
    String m = msisdn();
    List<String> emitted = new ArrayList<>();
    List<String> calls = new ArrayList<>();
    IntStream.range(0, 25)
        .forEach(
            i -> {
              Cdr cdr = bare(cdrId(), i % 2 == 0 ? Cdr.Type.CALL : Cdr.Type.MESSAGE, m);
              emitter.emit(cdr);
              emitted.add(0, cdr.cdrId());
              if (cdr.type() == Cdr.Type.CALL) calls.add(0, cdr.cdrId());
            });
    awaitIds("?limit=1000&msisdn=" + m, emitted);

    assertThat(pagedIds("?msisdn=" + m + "&limit=10")).isEqualTo(emitted);
    assertThat(pagedIds("?msisdn=" + m + "&limit=5")).isEqualTo(emitted);
    assertThat(calls).hasSize(13);
    assertThat(pagedIds("?msisdn=" + m + "&type=CALL&limit=4")).isEqualTo(calls);
    // A page that is not full has no cursor: nothing older matches.
    var last = api.get("/v1/cdrs?msisdn=" + m + "&limit=1000");
    assertThat(last.json().get("next").isNull()).as(last.toString()).isTrue();
    // Without an msisdn the cursor pages the whole table.
    var first = api.get("/v1/cdrs?limit=3").json();
    var second = api.get("/v1/cdrs?limit=3&before=" + first.get("next").asText()).json();
    assertThat(ids(second.get("cdrs")))
        .hasSize(3)
        .doesNotContainAnyElementsOf(ids(first.get("cdrs")));
  }

  /** Every record the query matches, page after page through {@code next}. */
  static List<String> pagedIds(String query) {
    List<String> all = new ArrayList<>();
    String before = "";
    for (int page = 0; page < 100; page++) {
      var r = api.get("/v1/cdrs" + query + before);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      all.addAll(ids(r.json().get("cdrs")));
      JsonNode next = r.json().get("next");
      if (next == null || next.isNull()) return all;
      before = "&before=" + next.asText();
    }
    throw new AssertionError("more than 100 pages: " + all.size());
  }

  @Test
  void badQueryParametersAreInvalidArgument() {
    for (String query :
        List.of(
            "?msisdn=abc",
            "?msisdn=1234",
            "?msisdn=1234567890123456",
            "?msisdn=%2B8613800000000",
            "?type=FOO",
            "?type=call",
            "?limit=0",
            "?limit=-1",
            "?limit=1001",
            "?limit=abc",
            "?limit=1.5",
            "?limit=99999999999999999999",
            "?msisdn=8613800000000&type=CALL&limit=x",
            "?before=0",
            "?before=-5",
            "?before=abc",
            "?before=1.5",
            "?before=9999999999999999999")) {
      var r = api.get("/v1/cdrs" + query);
      assertThat(r.status()).as(query + " -> " + r).isEqualTo(400);
      assertThat(r.code()).as(query).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(api.get("/v1/cdrs?limit=1000").status()).isEqualTo(200);
  }

  @Test
  void onlyOperatorsReadCdrs() {
    ApiClient anonymous = node.client();
    assertThat(anonymous.get("/v1/cdrs").status()).isEqualTo(401);
    assertThat(anonymous.withToken(FRONTEND).get("/v1/cdrs").status()).isEqualTo(403);
    assertThat(anonymous.withToken(FRONTEND).get("/v1/cdrs?limit=abc").status()).isEqualTo(403);
    assertThat(api.post("/v1/cdrs", "{}").status()).isEqualTo(405);
  }

  @Test
  void protobufAnswerSaysTheSameAsJson() throws Exception {
    String m = msisdn();
    Cdr cdr = call(cdrId(), m, m, msisdn());
    emitter.emit(cdr);
    awaitIds("?msisdn=" + m, List.of(cdr.cdrId()));

    var pb = api.withHeader("Accept", "application/x-protobuf").get("/v1/cdrs?msisdn=" + m);
    assertThat(pb.status()).isEqualTo(200);
    CdrList decoded = CdrList.parseFrom(pb.body());
    assertThat(ProtoJson.mapper().readTree(ProtoJson.encode(decoded)))
        .isEqualTo(api.get("/v1/cdrs?msisdn=" + m).json());
  }

  static boolean rowExists(String cdrId) throws SQLException {
    try (var c = TestDatabase.connect();
        var s = c.prepareStatement("select count(*) from cdr where cdr_id = ?")) {
      s.setString(1, cdrId);
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 1;
      }
    }
  }

  static void deleteRow(String cdrId) throws SQLException {
    try (var c = TestDatabase.connect();
        var s = c.prepareStatement("delete from cdr where cdr_id = ?")) {
      s.setString(1, cdrId);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  static Optional<Long> storedOffset() throws SQLException {
    try (var c = TestDatabase.connect();
        var s =
            c.prepareStatement(
                "select current_offset from pekko_projection_offset_store"
                    + " where projection_name = 'cdr' and projection_key = 'all'");
        var rs = s.executeQuery()) {
      return rs.next() ? Optional.of(Long.parseLong(rs.getString(1))) : Optional.empty();
    }
  }

  /**
   * Proof that the projection resumes from its stored offset rather than from the start of the
   * journal: a row removed while the node is down is not written again after the restart, while
   * records persisted just before the stop and after the restart appear, once each.
   */
  @Test
  void resumesFromItsStoredOffsetAfterANodeRestart() throws Exception {
    String m = msisdn();
    Cdr seenBefore = bare(cdrId(), Cdr.Type.CALL, m);
    Cdr probe = bare(cdrId(), Cdr.Type.CALL, m);
    emitter.emit(seenBefore);
    emitter.emit(probe);
    awaitIds("?msisdn=" + m, List.of(probe.cdrId(), seenBefore.cdrId()));
    long offsetBefore = storedOffset().orElseThrow();

    Cdr justBeforeStop = bare(cdrId(), Cdr.Type.CALL, m);
    emitter.emit(justBeforeStop);
    node.close();
    deleteRow(probe.cdrId());

    useNode(TestNode.start(SETTINGS));
    Cdr afterRestart = bare(cdrId(), Cdr.Type.CALL, m);
    emitter.emit(afterRestart);

    awaitIds(
        "?msisdn=" + m, List.of(afterRestart.cdrId(), justBeforeStop.cdrId(), seenBefore.cdrId()));
    assertThat(rowExists(probe.cdrId())).isFalse();
    assertThat(storedOffset().orElseThrow()).isGreaterThan(offsetBefore);
  }
}
