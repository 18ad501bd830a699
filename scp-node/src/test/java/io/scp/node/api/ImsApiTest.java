package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.api.proto.ImsDeregisterRequest;
import io.scp.api.proto.ImsDeregistration;
import io.scp.api.proto.ImsRegisterRequest;
import io.scp.api.proto.ImsRegistration;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** IMS identities through the real HTTP API, on a real node with a real journal. */
class ImsApiTest {
  /** Registrations may be as short as one second here, so that expiry can be watched. */
  static final Map<String, Object> SETTINGS = Map.of("scp.ims.min-expires", "1s");

  static final String PROTOBUF = "application/x-protobuf";
  static final String CONTACT = "sip:ue@10.1.2.3:5060";

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

  /** A fresh IMSI of MCC 460 / MNC 01, unique in the shared database. */
  static String newImsi() {
    return "46001" + digits(10);
  }

  static String digits(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) s.append(ThreadLocalRandom.current().nextInt(10));
    return s.toString();
  }

  static String impi(String imsi, String sic) {
    return imsi + "@ims.sic" + sic + ".mnc001.mcc460.3gppnetwork.org";
  }

  static String standardImpi(String imsi) {
    return imsi + "@ims.mnc001.mcc460.3gppnetwork.org";
  }

  /** Provisions a subscriber signed up for VoLTE (001) and RCS (002). */
  static String volteAndRcsSubscriber() {
    String imsi = newImsi();
    var provisioned =
        api.put(
            "/v1/ims/subscribers/" + imsi,
            "{\"msisdn\":\"8613" + digits(9) + "\",\"mcc\":\"460\",\"mnc\":\"01\"}");
    assertThat(provisioned.status()).as(provisioned.toString()).isEqualTo(201);
    for (String[] service : new String[][] {{"001", "VoLTE"}, {"002", "RCS"}}) {
      var signedUp =
          api.put(
              "/v1/ims/subscribers/" + imsi + "/services/" + service[0],
              "{\"name\":\"" + service[1] + "\"}");
      assertThat(signedUp.status()).as(signedUp.toString()).isEqualTo(201);
    }
    return imsi;
  }

  static ApiClient.Response register(String impi, long expiresSeconds) {
    return api.post(
        "/v1/ims/register",
        "{\"impi\":\""
            + impi
            + "\",\"contact\":\""
            + CONTACT
            + "\",\"expiresSeconds\":"
            + expiresSeconds
            + "}");
  }

  static ApiClient.Response deregister(String impi) {
    return api.post("/v1/ims/deregister", "{\"impi\":\"" + impi + "\"}");
  }

  static JsonNode subscriber(String imsi) {
    var r = api.get("/v1/ims/subscribers/" + imsi);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  /** The entry of one service in the subscriber's answer, or a missing node. */
  static JsonNode service(String imsi, String sic) {
    for (JsonNode s : subscriber(imsi).get("services")) {
      if (s.get("sic").asText().equals(sic)) return s;
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  static String state(String imsi, String sic) {
    return service(imsi, sic).path("state").asText();
  }

  static List<String> sics(String imsi) {
    List<String> sics = new ArrayList<>();
    subscriber(imsi).get("services").forEach(s -> sics.add(s.get("sic").asText()));
    return sics;
  }

  /** How many events of this type the subscriber's journal holds (written by the entity only). */
  static int journaled(String imsi, String eventType) throws SQLException {
    try (var connection = TestDatabase.connect();
        var query =
            connection.prepareStatement(
                "SELECT count(*) FROM event_journal"
                    + " WHERE persistence_id = ? AND event_ser_manifest LIKE ?")) {
      query.setString(1, "ImsSubscriber|" + imsi);
      query.setString(2, "%$" + eventType);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  // ---------------------------------------------------------------- provisioning and derivation

  @Test
  void provisioningAnswersWithTheSubscriberAndItsServices() {
    String imsi = newImsi();
    String body = "{\"msisdn\":\"8613800138000\",\"mcc\":\"460\",\"mnc\":\"01\"}";
    var first = api.put("/v1/ims/subscribers/" + imsi, body);
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    assertThat(first.json().get("imsi").asText()).isEqualTo(imsi);
    assertThat(first.json().get("msisdn").asText()).isEqualTo("8613800138000");
    assertThat(first.json().get("mcc").asText()).isEqualTo("460");
    assertThat(first.json().get("mnc").asText()).isEqualTo("01");
    assertThat(first.json().get("services")).isEmpty();
    assertThat(api.put("/v1/ims/subscribers/" + imsi, body).status()).isEqualTo(200);

    var volte = api.put("/v1/ims/subscribers/" + imsi + "/services/001", "{\"name\":\"VoLTE\"}");
    assertThat(volte.status()).as(volte.toString()).isEqualTo(201);
    assertThat(volte.json().get("sic").asText()).isEqualTo("001");
    assertThat(volte.json().get("name").asText()).isEqualTo("VoLTE");
    assertThat(volte.json().get("impi").asText()).isEqualTo(impi(imsi, "001"));
    assertThat(volte.json().get("state").asText()).isEqualTo("NOT_REGISTERED");
    var replay = api.put("/v1/ims/subscribers/" + imsi + "/services/001", "{\"name\":\"VoLTE\"}");
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(volte.json());

    JsonNode view = subscriber(imsi);
    assertThat(view.get("services")).hasSize(1);
    JsonNode entry = view.get("services").get(0);
    assertThat(entry.get("sic").asText()).isEqualTo("001");
    assertThat(entry.get("name").asText()).isEqualTo("VoLTE");
    assertThat(entry.get("impi").asText()).isEqualTo(impi(imsi, "001"));
    assertThat(entry.get("state").asText()).isEqualTo("NOT_REGISTERED");
    assertThat(entry.get("contact").isNull()).isTrue();
    assertThat(entry.get("expiresAt").isNull()).isTrue();
    assertThat(view.get("defaultService").get("impi").asText()).isEqualTo(standardImpi(imsi));
    assertThat(view.get("defaultService").get("sic").isNull()).isTrue();
  }

  @Test
  void unknownSubscribersAreNotFound() {
    String imsi = newImsi();
    var get = api.get("/v1/ims/subscribers/" + imsi);
    assertThat(get.status()).isEqualTo(404);
    assertThat(get.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
    var signUp = api.put("/v1/ims/subscribers/" + imsi + "/services/001", "{\"name\":\"VoLTE\"}");
    assertThat(signUp.status()).isEqualTo(404);
    assertThat(signUp.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
    var reg = register(impi(imsi, "001"), 600);
    assertThat(reg.status()).isEqualTo(404);
    assertThat(reg.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
  }

  @Test
  void derivesImpisAsTheMissionShows() {
    var volte = api.get("/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=01&sic=001");
    assertThat(volte.status()).as(volte.toString()).isEqualTo(200);
    assertThat(volte.json().get("impi").asText())
        .isEqualTo("460011100612345@ims.sic001.mnc001.mcc460.3gppnetwork.org");
    assertThat(
            api.get("/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=01&sic=002")
                .json()
                .get("impi")
                .asText())
        .isEqualTo("460011100612345@ims.sic002.mnc001.mcc460.3gppnetwork.org");
    for (String standard :
        List.of(
            "/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=01",
            "/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=001&sic=")) {
      assertThat(api.get(standard).json().get("impi").asText())
          .isEqualTo("460011100612345@ims.mnc001.mcc460.3gppnetwork.org");
    }
    for (String bad :
        List.of(
            "/v1/ims/impi?mcc=460&mnc=01",
            "/v1/ims/impi?imsi=460011100612345&mnc=01",
            "/v1/ims/impi?imsi=460011100612345&mcc=460",
            "/v1/ims/impi?imsi=12345&mcc=460&mnc=01",
            "/v1/ims/impi?imsi=460011100612345&mcc=46&mnc=01",
            "/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=1",
            "/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=01&sic=123456789",
            "/v1/ims/impi?imsi=460011100612345&mcc=460&mnc=01&sic=abc")) {
      var r = api.get(bad);
      assertThat(r.status()).as(bad + " -> " + r).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
  }

  // ---------------------------------------------------------------- per-service registration

  @Test
  void registeringVolteThenRcsKeepsBothRegistered() {
    String imsi = volteAndRcsSubscriber();
    Instant before = Instant.now();
    var volte = register(impi(imsi, "001"), 600);
    assertThat(volte.status()).as(volte.toString()).isEqualTo(200);
    assertThat(volte.json().get("impi").asText()).isEqualTo(impi(imsi, "001"));
    assertThat(volte.json().get("sic").asText()).isEqualTo("001");
    assertThat(volte.json().get("state").asText()).isEqualTo("REGISTERED");
    assertThat(volte.json().get("initial").asBoolean()).isTrue();
    assertThat(Instant.parse(volte.json().get("expiresAt").asText()))
        .isBetween(before.plusSeconds(599), Instant.now().plusSeconds(601));
    var rcs = register(impi(imsi, "002"), 600);
    assertThat(rcs.status()).as(rcs.toString()).isEqualTo(200);
    assertThat(rcs.json().get("initial").asBoolean()).isTrue();

    assertThat(state(imsi, "001")).isEqualTo("REGISTERED");
    assertThat(state(imsi, "002")).isEqualTo("REGISTERED");
    assertThat(service(imsi, "001").get("contact").asText()).isEqualTo(CONTACT);
    assertThat(service(imsi, "001").get("expiresAt").asText())
        .isEqualTo(volte.json().get("expiresAt").asText());
    assertThat(subscriber(imsi).get("defaultService").get("state").asText())
        .isEqualTo("NOT_REGISTERED");
  }

  @Test
  void deregisteringOneServiceLeavesTheOther() {
    String imsi = volteAndRcsSubscriber();
    register(impi(imsi, "001"), 600);
    register(impi(imsi, "002"), 600);
    var dereg = deregister(impi(imsi, "001"));
    assertThat(dereg.status()).as(dereg.toString()).isEqualTo(200);
    assertThat(dereg.json().get("impi").asText()).isEqualTo(impi(imsi, "001"));
    assertThat(dereg.json().get("sic").asText()).isEqualTo("001");
    assertThat(dereg.json().get("state").asText()).isEqualTo("NOT_REGISTERED");
    assertThat(state(imsi, "001")).isEqualTo("NOT_REGISTERED");
    assertThat(state(imsi, "002")).isEqualTo("REGISTERED");

    var again = deregister(impi(imsi, "001"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("NOT_REGISTERED");

    var zero = register(impi(imsi, "002"), 0);
    assertThat(zero.status()).as(zero.toString()).isEqualTo(200);
    assertThat(zero.json().get("state").asText()).isEqualTo("NOT_REGISTERED");
    assertThat(zero.json().get("expiresAt").isNull()).isTrue();
    assertThat(state(imsi, "002")).isEqualTo("NOT_REGISTERED");
  }

  @Test
  void cancellingAServiceRemovesOnlyThatEntry() {
    String imsi = volteAndRcsSubscriber();
    register(impi(imsi, "001"), 600);
    register(impi(imsi, "002"), 600);
    var cancelled = api.delete("/v1/ims/subscribers/" + imsi + "/services/002");
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(sics(imsi)).containsExactly("001");
    assertThat(state(imsi, "001")).isEqualTo("REGISTERED");
    var rcs = register(impi(imsi, "002"), 600);
    assertThat(rcs.status()).isEqualTo(403);
    assertThat(rcs.code()).isEqualTo("SERVICE_NOT_SUBSCRIBED");
    assertThat(api.delete("/v1/ims/subscribers/" + imsi + "/services/002").status()).isEqualTo(200);
    assertThat(sics(imsi)).containsExactly("001");
  }

  @Test
  void anUnsubscribedSicOrAnotherNetworkIsRefused() {
    String imsi = volteAndRcsSubscriber();
    var unsubscribed = register(impi(imsi, "003"), 600);
    assertThat(unsubscribed.status()).isEqualTo(403);
    assertThat(unsubscribed.code()).isEqualTo("SERVICE_NOT_SUBSCRIBED");
    var deregUnsubscribed = deregister(impi(imsi, "003"));
    assertThat(deregUnsubscribed.status()).isEqualTo(403);
    assertThat(deregUnsubscribed.code()).isEqualTo("SERVICE_NOT_SUBSCRIBED");
    var otherNetwork = register(imsi + "@ims.sic001.mnc002.mcc460.3gppnetwork.org", 600);
    assertThat(otherNetwork.status()).isEqualTo(404);
    assertThat(otherNetwork.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
    assertThat(sics(imsi)).containsExactly("001", "002");
    assertThat(state(imsi, "001")).isEqualTo("NOT_REGISTERED");
  }

  @Test
  void theStandardImpiRegistersTheDefaultServiceAlone() {
    String imsi = volteAndRcsSubscriber();
    register(impi(imsi, "001"), 600);
    var standard = register(standardImpi(imsi), 600);
    assertThat(standard.status()).as(standard.toString()).isEqualTo(200);
    assertThat(standard.json().get("sic").isNull()).isTrue();
    assertThat(standard.json().get("state").asText()).isEqualTo("REGISTERED");
    JsonNode view = subscriber(imsi);
    assertThat(view.get("defaultService").get("state").asText()).isEqualTo("REGISTERED");
    assertThat(view.get("services")).hasSize(2);
    assertThat(deregister(standardImpi(imsi)).status()).isEqualTo(200);
    assertThat(state(imsi, "001")).isEqualTo("REGISTERED");
  }

  @Test
  void replaysAreIdempotent() {
    String imsi = volteAndRcsSubscriber();
    var first = register(impi(imsi, "001"), 600);
    var replay = register(impi(imsi, "001"), 600);
    assertThat(first.json().get("initial").asBoolean()).isTrue();
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json().get("initial").asBoolean()).isFalse();
    assertThat(replay.json().get("state").asText()).isEqualTo("REGISTERED");
    assertThat(Instant.parse(replay.json().get("expiresAt").asText()))
        .isAfterOrEqualTo(Instant.parse(first.json().get("expiresAt").asText()));
    assertThat(sics(imsi)).containsExactly("001", "002");
    assertThat(state(imsi, "001")).isEqualTo("REGISTERED");
    assertThat(state(imsi, "002")).isEqualTo("NOT_REGISTERED");

    var zero = register(impi(imsi, "001"), 0);
    var zeroAgain = register(impi(imsi, "001"), 0);
    assertThat(zero.status()).isEqualTo(200);
    assertThat(zeroAgain.status()).isEqualTo(200);
    assertThat(zeroAgain.json()).isEqualTo(zero.json());
  }

  // ---------------------------------------------------------------- expiry

  @Test
  void anUnrefreshedRegistrationLapses() throws SQLException {
    String imsi = volteAndRcsSubscriber();
    var volte = register(impi(imsi, "001"), 1);
    assertThat(volte.status()).as(volte.toString()).isEqualTo(200);
    register(impi(imsi, "002"), 600);
    await().atMost(Duration.ofSeconds(15)).until(() -> journaled(imsi, "RegistrationExpired") == 1);
    assertThat(state(imsi, "001")).isEqualTo("NOT_REGISTERED");
    assertThat(state(imsi, "002")).isEqualTo("REGISTERED");
    assertThat(deregister(impi(imsi, "001")).code()).isEqualTo("NOT_REGISTERED");
  }

  @Test
  void expiryStillHappensAfterTheNodeIsRestarted() throws SQLException {
    String imsi = volteAndRcsSubscriber();
    var volte = register(impi(imsi, "001"), 6);
    register(impi(imsi, "002"), 3600);
    Instant expiresAt = Instant.parse(volte.json().get("expiresAt").asText());

    node.close();
    assertThat(Instant.now()).as("the node stopped before the expiry").isBefore(expiresAt);
    assertThat(journaled(imsi, "RegistrationExpired")).isZero();
    node = TestNode.start(SETTINGS);
    api = node.client();

    // Nothing asks the subscriber's entity anything: only its own timer can expire VoLTE.
    await().atMost(Duration.ofSeconds(30)).until(() -> journaled(imsi, "RegistrationExpired") == 1);
    assertThat(state(imsi, "001")).isEqualTo("NOT_REGISTERED");
    assertThat(state(imsi, "002")).isEqualTo("REGISTERED");
  }

  // ---------------------------------------------------------------- encodings and bad input

  @Test
  void protobufAndJsonGiveTheSameResult() throws Exception {
    String jsonImsi = volteAndRcsSubscriber();
    String protoImsi = volteAndRcsSubscriber();
    var json = register(impi(jsonImsi, "002"), 600);
    var proto =
        api.send(
            "POST",
            "/v1/ims/register",
            ImsRegisterRequest.newBuilder()
                .setImpi(impi(protoImsi, "002"))
                .setContact(CONTACT)
                .setExpiresSeconds(600)
                .build()
                .toByteArray(),
            PROTOBUF);
    assertThat(proto.status()).as(proto.toString()).isEqualTo(200);
    assertThat(proto.header("Content-Type")).startsWith(PROTOBUF);
    ImsRegistration answer = ImsRegistration.parseFrom(proto.body());
    assertThat(answer.getImpi()).isEqualTo(impi(protoImsi, "002"));
    assertThat(answer.getSic()).isEqualTo(json.json().get("sic").asText());
    assertThat(answer.getState()).isEqualTo(json.json().get("state").asText());
    assertThat(answer.getInitial()).isEqualTo(json.json().get("initial").asBoolean());
    assertThat(Duration.between(Instant.now(), Instant.parse(answer.getExpiresAt())))
        .isBetween(Duration.ofSeconds(590), Duration.ofSeconds(600));
    assertThat(subscriber(protoImsi).get("services").toString().replace(protoImsi, "IMSI"))
        .isEqualTo(
            subscriber(jsonImsi)
                .get("services")
                .toString()
                .replace(jsonImsi, "IMSI")
                .replace(json.json().get("expiresAt").asText(), answer.getExpiresAt()));

    var asJson =
        api.withHeader("Accept", "application/json")
            .send(
                "POST",
                "/v1/ims/deregister",
                ImsDeregisterRequest.newBuilder()
                    .setImpi(impi(protoImsi, "002"))
                    .build()
                    .toByteArray(),
                PROTOBUF);
    assertThat(asJson.status()).as(asJson.toString()).isEqualTo(200);
    assertThat(asJson.json().get("state").asText()).isEqualTo("NOT_REGISTERED");
    var protoDereg =
        api.send(
            "POST",
            "/v1/ims/deregister",
            ImsDeregisterRequest.newBuilder().setImpi(impi(jsonImsi, "002")).build().toByteArray(),
            PROTOBUF);
    assertThat(ImsDeregistration.parseFrom(protoDereg.body()).getState())
        .isEqualTo("NOT_REGISTERED");
  }

  @Test
  void badInputIsRefusedWithACode() {
    String imsi = volteAndRcsSubscriber();
    Map<String, String> malformed =
        Map.of(
            "not an impi", "{\"impi\":\"bob@example.com\",\"contact\":\"sip:x\"}",
            "two-digit MNC in the domain",
                "{\"impi\":\"" + imsi + "@ims.sic001.mnc01.mcc460.3gppnetwork.org\"}",
            "nine-digit SIC",
                "{\"impi\":\"" + imsi + "@ims.sic123456789.mnc001.mcc460.3gppnetwork.org\"}",
            "missing impi", "{\"contact\":\"sip:x\",\"expiresSeconds\":60}",
            "empty impi", "{\"impi\":\"\",\"contact\":\"sip:x\"}");
    malformed.forEach(
        (why, body) -> {
          var r = api.post("/v1/ims/register", body);
          assertThat(r.status()).as(why + ": " + r).isEqualTo(400);
          assertThat(r.code()).as(why).isEqualTo("MALFORMED_IMPI");
        });
    assertThat(api.post("/v1/ims/deregister", "{\"impi\":\"x@y\"}").code())
        .isEqualTo("MALFORMED_IMPI");

    String volte = impi(imsi, "001");
    Map<String, String> invalid =
        Map.of(
            "negative expiry",
                "{\"impi\":\"" + volte + "\",\"contact\":\"sip:x\",\"expiresSeconds\":-1}",
            "expiry as text",
                "{\"impi\":\"" + volte + "\",\"contact\":\"sip:x\",\"expiresSeconds\":\"60\"}",
            "impi as number", "{\"impi\":42}",
            "no contact", "{\"impi\":\"" + volte + "\",\"expiresSeconds\":60}",
            "blank contact", "{\"impi\":\"" + volte + "\",\"contact\":\"  \"}",
            "control character in contact",
                "{\"impi\":\"" + volte + "\",\"contact\":\"sip:\\u0000@x\"}",
            "not JSON", "{\"impi\":",
            "not an object", "[1,2]");
    invalid.forEach(
        (why, body) -> {
          var r = api.post("/v1/ims/register", body);
          assertThat(r.status()).as(why + ": " + r).isEqualTo(400);
          assertThat(r.code()).as(why).isEqualTo("INVALID_ARGUMENT");
        });
    var garbage =
        api.send("POST", "/v1/ims/register", new byte[] {(byte) 0xff, 0x01, 0x02}, PROTOBUF);
    assertThat(garbage.status()).isEqualTo(400);

    Map<String, String[]> provisioning =
        Map.of(
            "IMSI in the path",
                new String[] {
                  "/v1/ims/subscribers/12ab",
                  "{\"msisdn\":\"8613800138000\",\"mcc\":\"460\",\"mnc\":\"01\"}"
                },
            "MCC",
                new String[] {
                  "/v1/ims/subscribers/" + imsi,
                  "{\"msisdn\":\"8613800138000\",\"mcc\":\"4600\",\"mnc\":\"01\"}"
                },
            "MNC",
                new String[] {
                  "/v1/ims/subscribers/" + imsi,
                  "{\"msisdn\":\"8613800138000\",\"mcc\":\"460\",\"mnc\":\"1\"}"
                },
            "MSISDN",
                new String[] {
                  "/v1/ims/subscribers/" + imsi,
                  "{\"msisdn\":\"86\",\"mcc\":\"460\",\"mnc\":\"01\"}"
                },
            "missing MNC",
                new String[] {
                  "/v1/ims/subscribers/" + imsi, "{\"msisdn\":\"8613800138000\",\"mcc\":\"460\"}"
                },
            "SIC in the path",
                new String[] {
                  "/v1/ims/subscribers/" + imsi + "/services/123456789", "{\"name\":\"x\"}"
                },
            "SIC letters",
                new String[] {"/v1/ims/subscribers/" + imsi + "/services/abc", "{\"name\":\"x\"}"},
            "missing name", new String[] {"/v1/ims/subscribers/" + imsi + "/services/003", "{}"});
    provisioning.forEach(
        (why, request) -> {
          var r = api.put(request[0], request[1]);
          assertThat(r.status()).as(why + ": " + r).isEqualTo(400);
          assertThat(r.code()).as(why).isEqualTo("INVALID_ARGUMENT");
        });
    assertThat(api.delete("/v1/ims/subscribers/" + imsi + "/services/x").status()).isEqualTo(400);
    assertThat(sics(imsi)).containsExactly("001", "002");
  }
}
