package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.vacp.Interworking;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User interworking settings through HTTP with real platforms (local HTTP servers): every check and
 * its refusal, the provider's acknowledgement (accepted, refused, failing, too slow), protocol
 * adaptation, settlement of prepaid and postpaid users, and the cascade when a user drops a
 * service.
 */
class VacpInterworkingApiTest {
  static final String PULL = "{\"mode\":\"PULL\"}";
  static final String PUSH =
      "{\"mode\":\"PUSH\",\"receiveConditions\":{\"quietHours\":{\"from\":\"22:00\",\"to\":\"07:00\"},"
          + "\"onlyWhenImsRegistered\":true,\"maxPerHour\":5}}";
  static final String VALID = "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\"";

  static TestNode node;
  static ApiClient api;
  static VacpFixture vacp;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            Map.of("scp.vacp.platform.call-timeout", "1s", "scp.vacp.retry-delay", "200ms"));
    api = node.client();
    vacp = new VacpFixture(api);
  }

  @AfterAll
  static void stop() {
    vacp.close();
    node.close();
  }

  /** A provider B with a capability, a consumer A authorised for it, with the fee per use. */
  record Pair(Platform consumer, Platform provider, String capability) {
    String path(String msisdn) {
      return VacpFixture.interworkingPath(msisdn, consumer, capability);
    }

    ApiClient a() {
      return consumer.client();
    }
  }

  static Pair pair(String style, long fee) {
    return pair(style, fee, "STANDARD");
  }

  static Pair pair(String style, long fee, String providerProtocol) {
    Platform provider = vacp.platform(1, "central", providerProtocol);
    Platform consumer = vacp.platform(1, "central");
    String capability = vacp.capability(provider, style);
    vacp.authorize(consumer, capability, VALID + ",\"priority\":5,\"feePerUse\":" + fee);
    return new Pair(consumer, provider, capability);
  }

  /** Records a use of a setting, as part 2's invocations will. */
  static Interworking.InterworkingView use(String msisdn, Pair pair, String useId, long fee) {
    return ClusterSharding.get(node.node().system())
        .entityRefFor(
            Interworking.KEY,
            Interworking.entityId(msisdn, pair.consumer().id(), pair.capability()))
        .<Interworking.InterworkingView>askWithStatus(
            r -> new Interworking.RecordUse(useId, fee, r), Duration.ofSeconds(5))
        .toCompletableFuture()
        .join();
  }

  static int cdrEvents(String msisdn, Pair pair) throws SQLException {
    try (var connection = TestDatabase.connect();
        var query =
            connection.prepareStatement(
                "SELECT count(*) FROM event_journal j JOIN event_tag t ON t.event_id = j.ordering"
                    + " WHERE j.persistence_id = ? AND t.tag = 'cdr'"
                    + " AND j.event_ser_manifest LIKE '%InterworkingCancelled'")) {
      query.setString(
          1,
          "VacpInterworking|"
              + Interworking.entityId(msisdn, pair.consumer().id(), pair.capability()));
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }

  // ---------------------------------------------------------------- checks

  @Test
  void everyCheckRefusesWithItsCode() {
    Pair p = pair("PULL", 0);
    String a = p.consumer().id();
    String b = p.provider().id();

    var unknown = p.a().put(p.path(VacpFixture.newMsisdn()), PULL);
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("UNKNOWN_SUBSCRIBER");

    String suspended = vacp.subscriber(null, a, b);
    api.put("/v1/subscribers/" + suspended, "{\"status\":\"SUSPENDED\"}");
    var refused = p.a().put(p.path(suspended), PULL);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.code()).isEqualTo("SUBSCRIBER_SUSPENDED");

    for (String onlyOne : List.of(a, b)) {
      String user = vacp.subscriber(null, onlyOne);
      var r = p.a().put(p.path(user), PULL);
      assertThat(r.status()).as(r.toString()).isEqualTo(409);
      assertThat(r.code()).isEqualTo("NOT_SUBSCRIBED");
    }

    String user = vacp.subscriber(null, a, b);
    Platform stranger = vacp.platform(1, "central");
    vacp.subscribe(user, stranger.id());
    var noAuthorisation =
        stranger.client().put(VacpFixture.interworkingPath(user, stranger, p.capability()), PULL);
    assertThat(noAuthorisation.status()).isEqualTo(403);
    assertThat(noAuthorisation.code()).isEqualTo("NOT_AUTHORIZED");

    vacp.authorize(stranger, p.capability(), "\"validUntil\":\"2021-01-01\"");
    var expired =
        stranger.client().put(VacpFixture.interworkingPath(user, stranger, p.capability()), PULL);
    assertThat(expired.code()).as("expired authorisation").isEqualTo("NOT_AUTHORIZED");
    vacp.authorize(stranger, p.capability(), "\"validFrom\":\"2090-01-01\"");
    assertThat(
            stranger
                .client()
                .put(VacpFixture.interworkingPath(user, stranger, p.capability()), PULL)
                .code())
        .as("not yet valid")
        .isEqualTo("NOT_AUTHORIZED");

    var notOffered = p.a().put(p.path(user), PUSH);
    assertThat(notOffered.status()).as("PULL-only capability").isEqualTo(400);
    var unknownCapability =
        p.a().put(VacpFixture.interworkingPath(user, p.consumer(), "nothing-" + a), PULL);
    assertThat(unknownCapability.code()).isEqualTo("UNKNOWN_CAPABILITY");
    assertThat(p.a().put(p.path(user), "{}").status()).as("mode required").isEqualTo(400);
    assertThat(
            p.a()
                .put(
                    p.path(user),
                    "{\"mode\":\"PULL\",\"receiveConditions\":{\"quietHours\":{\"from\":\"25:00\",\"to\":\"07:00\"}}}")
                .status())
        .isEqualTo(400);
    assertThat(p.a().put(p.path("12ab"), PULL).status()).isEqualTo(400);
    assertThat(p.a().get(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
    assertThat(p.a().delete(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
    assertThat(p.consumer().stub().received()).isEmpty();
    assertThat(p.provider().stub().received()).isEmpty();

    var ok = p.a().put(p.path(user), PULL);
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);

    String provider = vacp.platform(1, "central").id();
    Platform gone = vacp.platform(1, "central");
    String capability = vacp.capability(gone, "PULL");
    vacp.authorize(p.consumer(), capability, VALID);
    assertThat(gone.client().delete("/v1/vacp/capabilities/" + capability).status()).isEqualTo(200);
    vacp.subscribe(user, gone.id());
    assertThat(p.a().put(VacpFixture.interworkingPath(user, p.consumer(), capability), PULL).code())
        .as("deregistered capability " + provider)
        .isEqualTo("UNKNOWN_CAPABILITY");
  }

  // ---------------------------------------------------------------- setup

  @Test
  void aPullSettingIsStoredAndOnlyTheConsumerIsTold() {
    Pair p = pair("BOTH", 0);
    String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());

    var created = p.a().put(p.path(user), PULL);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonNode s = created.json();
    assertThat(s.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(s.get("mode").asText()).isEqualTo("PULL");
    assertThat(s.get("providerPlatformId").asText()).isEqualTo(p.provider().id());
    assertThat(s.get("consumerPlatformId").asText()).isEqualTo(p.consumer().id());
    assertThat(s.get("msisdn").asText()).isEqualTo(user);
    assertThat(s.get("accrued").asLong()).isZero();
    assertThat(s.get("receiveConditions").get("quietHours").isNull()).isTrue();

    var replay = p.a().put(p.path(user), PULL);
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(s);
    assertThat(p.a().get(p.path(user)).json()).isEqualTo(s);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.consumer().stub().received("interworking-setup").size() == 1);
    var told = p.consumer().stub().received("interworking-setup").get(0);
    assertThat(told.fields())
        .containsEntry("msisdn", user)
        .containsEntry("capabilityId", p.capability())
        .containsEntry("mode", "PULL")
        .containsEntry("status", "ACTIVE")
        .containsKey("noticeId");
    assertThat(p.provider().stub().received()).as("B is told in push mode only").isEmpty();
  }

  @Test
  void aPushSettingWaitsForTheProviderThenTellsTheConsumer() {
    Pair p = pair("PUSH", 0);
    String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());

    var created = p.a().put(p.path(user), PUSH);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonNode conditions = created.json().get("receiveConditions");
    assertThat(conditions.get("quietHours").get("from").asText()).isEqualTo("22:00");
    assertThat(conditions.get("quietHours").get("to").asText()).isEqualTo("07:00");
    assertThat(conditions.get("onlyWhenImsRegistered").asBoolean()).isTrue();
    assertThat(conditions.get("maxPerHour").asInt()).isEqualTo(5);

    List<StubPlatform.Received> toB = p.provider().stub().received("interworking-setup");
    assertThat(toB).as("B acknowledged before the answer").hasSize(1);
    assertThat(toB.get(0).contentType()).startsWith("application/json");
    assertThat(toB.get(0).fields())
        .containsEntry("msisdn", user)
        .containsEntry("mode", "PUSH")
        .containsEntry("quietHoursFrom", "22:00")
        .containsEntry("maxPerHour", "5");
    JsonNode sent = toB.get(0).json();
    assertThat(sent.get("maxPerHour").isIntegralNumber()).as("a JSON number").isTrue();
    assertThat(sent.get("maxPerHour").asInt()).isEqualTo(5);
    assertThat(sent.get("onlyWhenImsRegistered").isBoolean()).as("a JSON boolean").isTrue();
    assertThat(sent.get("onlyWhenImsRegistered").booleanValue()).isTrue();
    assertThat(sent.get("msisdn").isTextual()).isTrue();
    assertThat(sent.get("quietHoursFrom").isTextual()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.consumer().stub().received("interworking-setup").size() == 1);
    assertThat(p.consumer().stub().received("interworking-setup").get(0).order())
        .as("B first, then A")
        .isGreaterThan(toB.get(0).order());
    assertThat(p.a().put(p.path(user), PUSH).status()).isEqualTo(200);
    assertThat(p.provider().stub().received("interworking-setup")).hasSize(1);
  }

  @Test
  void aFormProviderIsSpokenToInForm() {
    Pair p = pair("PUSH", 0, "FORM");
    p.provider().stub().answerForm("interworking-setup", 200, "accepted=true&ref=42");
    String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());

    assertThat(p.a().put(p.path(user), PUSH).status()).isEqualTo(201);
    var toB = p.provider().stub().received("interworking-setup").get(0);
    assertThat(toB.contentType()).startsWith("application/x-www-form-urlencoded");
    assertThat(toB.body()).contains("msisdn=" + user).contains("mode=PUSH");
    assertThat(toB.fields())
        .containsEntry("capabilityId", p.capability())
        .containsEntry("quietHoursTo", "07:00")
        .containsEntry("onlyWhenImsRegistered", "true")
        .containsEntry("maxPerHour", "5");
    assertThat(toB.body())
        .as("FORM: numbers and booleans as text")
        .contains("&onlyWhenImsRegistered=true&maxPerHour=5");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.consumer().stub().received("interworking-setup").size() == 1);
    assertThat(p.consumer().stub().received("interworking-setup").get(0).contentType())
        .as("A speaks STANDARD")
        .startsWith("application/json");
  }

  @Test
  void aProviderThatRefusesFailsOrIsTooSlowLeavesTheSettingInactive() {
    record Case(String expectedCode, int status, java.util.function.Consumer<StubPlatform> b) {}
    List<Case> cases =
        List.of(
            new Case(
                "PROVIDER_REJECTED",
                502,
                b -> b.answer("interworking-setup", 403, "{\"reason\":\"no\"}")),
            new Case(
                "PROVIDER_REJECTED",
                502,
                b -> b.answer("interworking-setup", 200, "{\"accepted\":false}")),
            new Case("PROVIDER_FAILED", 502, b -> b.answer("interworking-setup", 500, "{}")),
            new Case(
                "PROVIDER_FAILED",
                502,
                b -> b.answer("interworking-setup", 200, "{\"accepted\": true")),
            new Case(
                "PROVIDER_FAILED",
                502,
                b -> b.answerForm("interworking-setup", 200, "accepted=%zz")),
            new Case(
                "PROVIDER_TIMEOUT",
                504,
                b -> b.answerAfter("interworking-setup", Duration.ofSeconds(3))),
            new Case("PROVIDER_TIMEOUT", 504, b -> b.answer("interworking-setup", 408, "{}")));
    for (Case c : cases) {
      Pair p = pair("PUSH", 0);
      c.b().accept(p.provider().stub());
      String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());
      var r = p.a().put(p.path(user), PUSH);
      assertThat(r.status()).as(c + " " + r).isEqualTo(c.status());
      assertThat(r.code()).isEqualTo(c.expectedCode());
      assertThat(p.a().get(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
      assertThat(p.a().delete(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
      assertThat(p.consumer().stub().received()).as("A is not told").isEmpty();
    }

    Pair p = pair("PUSH", 0);
    p.provider().stub().answer("interworking-setup", 503, "{}");
    String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());
    assertThat(p.a().put(p.path(user), PUSH).code()).isEqualTo("PROVIDER_FAILED");
    p.provider().stub().answer("interworking-setup", 200, "{}");
    assertThat(p.a().put(p.path(user), PUSH).status()).as("a retry may succeed").isEqualTo(201);
  }

  // ---------------------------------------------------------------- settlement

  @Test
  void cancellingSettlesAPostpaidUserThroughACdr() throws SQLException {
    Pair p = pair("PULL", 30);
    String user = vacp.subscriber(null, p.consumer().id(), p.provider().id());
    assertThat(p.a().put(p.path(user), PULL).status()).isEqualTo(201);
    use(user, p, "use-1", 30);
    use(user, p, "use-2", 20);
    use(user, p, "use-1", 30);
    JsonNode before = p.a().get(p.path(user)).json();
    assertThat(before.get("accrued").asLong()).isEqualTo(50);
    assertThat(before.get("uses").asLong()).isEqualTo(2);

    var settled = p.a().delete(p.path(user));
    assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
    assertThat(settled.json().get("settled").asLong()).isEqualTo(50);
    assertThat(p.a().delete(p.path(user)).json().get("settled").asLong())
        .as("a replay answers the same")
        .isEqualTo(50);
    assertThat(p.a().get(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
    assertThat(cdrEvents(user, p)).isEqualTo(1);

    for (Platform platform : List.of(p.consumer(), p.provider())) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> platform.stub().received("interworking-cancelled").size() == 1);
      var told = platform.stub().received("interworking-cancelled").get(0);
      assertThat(told.fields())
          .containsEntry("settled", "50")
          .containsEntry("reason", "CANCELLED")
          .containsEntry("msisdn", user);
      JsonNode sent = told.json();
      assertThat(sent.get("settled").isIntegralNumber()).as("a JSON number").isTrue();
      assertThat(sent.get("settled").asLong()).isEqualTo(50);
      assertThat(sent.get("reason").isTextual()).isTrue();
      assertThat(sent.get("noticeId").isTextual()).isTrue();
    }

    var again = p.a().put(p.path(user), PULL);
    assertThat(again.status()).as("set up anew").isEqualTo(201);
    assertThat(again.json().get("accrued").asLong()).isZero();
    assertThat(p.a().delete(p.path(user)).json().get("settled").asLong()).isZero();
    assertThat(cdrEvents(user, p)).isEqualTo(2);
  }

  @Test
  void cancellingChargesAPrepaidUsersAccountOnce() {
    Pair p = pair("PULL", 70);
    String user = vacp.subscriber(1_000L, p.consumer().id(), p.provider().id());
    assertThat(p.a().put(p.path(user), PULL).status()).isEqualTo(201);
    use(user, p, "u1", 70);
    use(user, p, "u2", 70);

    var settled = p.a().delete(p.path(user));
    assertThat(settled.status()).as(settled.toString()).isEqualTo(200);
    assertThat(settled.json().get("settled").asLong()).isEqualTo(140);
    assertThat(p.a().delete(p.path(user)).json().get("settled").asLong()).isEqualTo(140);
    JsonNode account = vacp.account(user);
    assertThat(account.get("balance").asLong()).isEqualTo(860);
    assertThat(account.get("deducted").asLong()).isEqualTo(140);
    assertThat(account.get("reserved").asLong()).isZero();
    assertThat(account.get("reservations")).isEmpty();
  }

  @Test
  void aPrepaidUserWhoCannotPayIsCancelledWithAShortfall() {
    Pair p = pair("PULL", 500);
    String user = vacp.subscriber(100L, p.consumer().id(), p.provider().id());
    assertThat(p.a().put(p.path(user), PULL).status()).isEqualTo(201);
    use(user, p, "u1", 500);
    var settled = p.a().delete(p.path(user));
    assertThat(settled.status()).isEqualTo(200);
    assertThat(settled.json().get("settled").asLong()).isZero();
    assertThat(vacp.account(user).get("balance").asLong()).isEqualTo(100);
    assertThat(p.a().get(p.path(user)).code()).isEqualTo("NO_INTERWORKING");
  }

  // ---------------------------------------------------------------- cascade

  @Test
  void droppingAServiceSettlesAndRemovesEveryInterworkingThatInvolvesIt() {
    Platform a = vacp.platform(1, "central");
    Platform b = vacp.platform(1, "central");
    Platform c = vacp.platform(1, "central");
    String capOfB = vacp.capability(b, "PULL");
    String capOfC = vacp.capability(c, "BOTH");
    vacp.authorize(a, capOfB, VALID);
    vacp.authorize(b, capOfC, VALID);
    vacp.authorize(a, capOfC, VALID);
    var aUsesB = new Pair(a, b, capOfB);
    var bUsesC = new Pair(b, c, capOfC);
    var aUsesC = new Pair(a, c, capOfC);
    String user = vacp.subscriber(1_000L, a.id(), b.id(), c.id());
    assertThat(a.client().put(aUsesB.path(user), PULL).status()).isEqualTo(201);
    assertThat(b.client().put(bUsesC.path(user), PUSH).status()).isEqualTo(201);
    assertThat(a.client().put(aUsesC.path(user), PULL).status()).isEqualTo(201);
    use(user, aUsesB, "x1", 25);
    use(user, bUsesC, "x2", 40);
    use(user, aUsesC, "x3", 7);

    var dropped = api.delete("/v1/subscribers/" + user + "/services/" + b.id());
    assertThat(dropped.status()).as(dropped.toString()).isEqualTo(200);
    assertThat(dropped.json().get("services").toString()).doesNotContain(b.id());
    assertThat(a.client().get(aUsesB.path(user)).code()).isEqualTo("NO_INTERWORKING");
    assertThat(b.client().get(bUsesC.path(user)).code()).isEqualTo("NO_INTERWORKING");
    assertThat(a.client().get(aUsesC.path(user)).json().get("status").asText())
        .as("not involving B")
        .isEqualTo("ACTIVE");
    JsonNode account = vacp.account(user);
    assertThat(account.get("deducted").asLong()).isEqualTo(65);
    assertThat(account.get("balance").asLong()).isEqualTo(935);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> c.stub().received("interworking-cancelled").size() == 1);
    var toC = c.stub().received("interworking-cancelled").get(0);
    assertThat(toC.fields())
        .containsEntry("reason", "SERVICE_UNSUBSCRIBED")
        .containsEntry("settled", "40");
    assertThat(toC.json().get("settled").isIntegralNumber()).as("a JSON number").isTrue();
    assertThat(toC.json().get("settled").asLong()).isEqualTo(40);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.stub().received("interworking-cancelled").size() == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> b.stub().received("interworking-cancelled").size() == 2);

    assertThat(api.delete("/v1/subscribers/" + user + "/services/" + b.id()).status())
        .as("again: nothing more")
        .isEqualTo(200);
    assertThat(vacp.account(user).get("deducted").asLong()).isEqualTo(65);
    var back = a.client().put(aUsesB.path(user), PULL);
    assertThat(back.code()).isEqualTo("NOT_SUBSCRIBED");
    assertThat(api.delete("/v1/subscribers/" + VacpFixture.newMsisdn() + "/services/x").code())
        .isEqualTo("UNKNOWN_SUBSCRIBER");
    assertThat(api.delete("/v1/subscribers/" + user + "/services/unrelated").status())
        .isEqualTo(200);
  }
}
