package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Push fan-out through HTTP, with API tokens on and real platforms (local HTTP servers): delivery
 * in priority order, every receive condition, retries after an outage, failure after the last
 * attempt, idempotent replays, fees, the FORM protocol and who may publish and read events.
 */
class VacpPushApiTest {
  static final String OPERATOR_TOKEN = "op-push-1";
  static final String FRONTEND_TOKEN = "fe-push-2";
  static final String VALID = "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\"";
  static final String PAYLOAD = "{\"city\":\"Beijing\",\"tempC\":21,\"alerts\":[\"wind\"]}";
  static final int MAX_ATTEMPTS = 8;
  static final ObjectMapper JSON = new ObjectMapper();

  static TestNode node;
  static ApiClient operator;
  static VacpFixture vacp;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            Map.of(
                "scp.api-tokens",
                "operator=" + OPERATOR_TOKEN + ",frontend=" + FRONTEND_TOKEN,
                "scp.vacp.platform.call-timeout",
                "1s",
                "scp.vacp.retry-delay",
                "200ms",
                "scp.vacp.push.retry-delay",
                "200ms",
                "scp.vacp.push.max-retry-delay",
                "500ms",
                "scp.vacp.push.max-attempts",
                MAX_ATTEMPTS));
    operator = node.client().withToken(OPERATOR_TOKEN);
    vacp = new VacpFixture(operator);
  }

  @AfterAll
  static void stop() {
    vacp.close();
    node.close();
  }

  /** A provider with a push capability and a user subscribed to it; consumers are added. */
  record Scene(Platform provider, String capability, String msisdn) {
    /** A consumer authorised with {@code priority} and {@code fee}, with an active push setting. */
    Platform consumer(int priority, long fee, String conditions, String protocol) {
      Platform consumer = vacp.platform(1, "central", protocol);
      vacp.authorize(
          consumer, capability, VALID + ",\"priority\":" + priority + ",\"feePerUse\":" + fee);
      vacp.subscribe(msisdn, consumer.id());
      var setting =
          consumer
              .client()
              .put(
                  VacpFixture.interworkingPath(msisdn, consumer, capability),
                  "{\"mode\":\"PUSH\",\"receiveConditions\":{" + conditions + "}}");
      assertThat(setting.status()).as(setting.toString()).isEqualTo(201);
      return consumer;
    }

    Platform consumer(int priority) {
      return consumer(priority, 0, "", "STANDARD");
    }

    ApiClient.Response publish(String eventId, String payload) {
      return provider
          .client()
          .post(
              "/v1/vacp/events",
              "{\"eventId\":\""
                  + eventId
                  + "\",\"capabilityId\":\""
                  + capability
                  + "\",\"msisdn\":\""
                  + msisdn
                  + "\",\"payload\":"
                  + payload
                  + "}");
    }

    String published(String payload) {
      String eventId = VacpFixture.newId("ev");
      var r = publish(eventId, payload);
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      return eventId;
    }

    JsonNode event(String eventId) {
      var r = provider.client().get("/v1/vacp/events/" + eventId);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      return r.json();
    }

    JsonNode delivery(String eventId, Platform consumer) {
      for (JsonNode d : event(eventId).get("deliveries")) {
        if (d.get("platformId").asText().equals(consumer.id())) return d;
      }
      throw new AssertionError(consumer.id() + " is not a recipient of " + eventId);
    }

    String status(String eventId, Platform consumer) {
      return delivery(eventId, consumer).get("status").asText();
    }
  }

  static Scene scene() {
    Platform provider = vacp.platform(1, "central");
    String capability = vacp.capability(provider, "PUSH");
    String msisdn = vacp.subscriber(null, provider.id());
    return new Scene(provider, capability, msisdn);
  }

  static List<StubPlatform.Received> events(Platform platform) {
    return platform.stub().received("events");
  }

  static List<String> ids(JsonNode array, String field) {
    List<String> ids = new ArrayList<>();
    array.forEach(n -> ids.add(n.get(field).asText()));
    return ids;
  }

  // ---------------------------------------------------------------- fan-out

  @Test
  void deliversToEveryRecipientInDescendingPriorityOnceAndRecordsTheFee() throws Exception {
    Scene s = scene();
    Platform low = s.consumer(1);
    Platform high = s.consumer(9, 7, "", "STANDARD");
    Platform middle = s.consumer(5);

    String eventId = VacpFixture.newId("ev");
    var accepted = s.publish(eventId, PAYLOAD);
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    assertThat(accepted.json().get("eventId").asText()).isEqualTo(eventId);
    JsonNode recipients = accepted.json().get("recipients");
    assertThat(ids(recipients, "platformId")).containsExactly(high.id(), middle.id(), low.id());
    assertThat(ids(recipients, "priority")).containsExactly("9", "5", "1");
    assertThat(ids(recipients, "status"))
        .allMatch(st -> st.equals("PENDING") || st.equals("DELIVERED"));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ids(s.event(eventId).get("deliveries"), "status").stream()
                    .allMatch("DELIVERED"::equals));
    long first = events(high).get(0).order();
    long second = events(middle).get(0).order();
    long third = events(low).get(0).order();
    assertThat(first).isLessThan(second);
    assertThat(second).isLessThan(third);

    StubPlatform.Received got = events(high).get(0);
    assertThat(got.contentType()).startsWith("application/json");
    JsonNode body = JSON.readTree(got.body());
    assertThat(body.get("eventId").asText()).isEqualTo(eventId);
    assertThat(body.get("capabilityId").asText()).isEqualTo(s.capability());
    assertThat(body.get("msisdn").asText()).isEqualTo(s.msisdn());
    assertThat(body.get("providerPlatformId").asText()).isEqualTo(s.provider().id());
    assertThat(body.get("payload")).isEqualTo(JSON.readTree(PAYLOAD));
    assertThat(s.provider().stub().received("events")).isEmpty();

    JsonNode event = s.event(eventId);
    assertThat(event.get("capabilityId").asText()).isEqualTo(s.capability());
    assertThat(event.get("msisdn").asText()).isEqualTo(s.msisdn());
    assertThat(event.get("providerPlatformId").asText()).isEqualTo(s.provider().id());
    assertThat(ids(event.get("deliveries"), "attempts")).containsOnly("1");

    String setting = VacpFixture.interworkingPath(s.msisdn(), high, s.capability());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> high.client().get(setting).json().get("accrued").asLong() == 7);

    var replay = s.publish(eventId, PAYLOAD);
    assertThat(replay.status()).as(replay.toString()).isEqualTo(202);
    assertThat(ids(replay.json().get("recipients"), "status")).containsOnly("DELIVERED");
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(
            () ->
                events(high).size() == 1 && events(middle).size() == 1 && events(low).size() == 1);
    JsonNode charged = high.client().get(setting).json();
    assertThat(charged.get("accrued").asLong()).isEqualTo(7);
    assertThat(charged.get("uses").asLong()).isEqualTo(1);

    var conflict = s.publish(eventId, "{\"other\":true}");
    assertThat(conflict.status()).as(conflict.toString()).isEqualTo(409);
    assertThat(conflict.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
  }

  @Test
  void onlyActivePushSettingsOfSubscribedUsersWithValidAuthorisationsReceive() {
    Scene s = scene();
    Platform receiver = s.consumer(3);
    Platform cancelled = s.consumer(4);
    assertThat(
            cancelled
                .client()
                .delete(VacpFixture.interworkingPath(s.msisdn(), cancelled, s.capability()))
                .status())
        .isEqualTo(200);
    Platform expired = s.consumer(5);
    vacp.authorize(
        expired,
        s.capability(),
        "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2021-01-01\",\"priority\":5");
    Platform unsubscribed = s.consumer(6);
    assertThat(
            operator
                .delete("/v1/subscribers/" + s.msisdn() + "/services/" + unsubscribed.id())
                .status())
        .isEqualTo(200);

    var accepted = s.publish(VacpFixture.newId("ev"), "\"plain text\"");
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    assertThat(ids(accepted.json().get("recipients"), "platformId")).containsExactly(receiver.id());

    var nobody =
        new Scene(s.provider(), s.capability(), vacp.subscriber(null, s.provider().id()))
            .publish(VacpFixture.newId("ev"), "42");
    assertThat(nobody.status()).as(nobody.toString()).isEqualTo(202);
    assertThat(nobody.json().get("recipients")).isEmpty();
  }

  // ---------------------------------------------------------------- receive conditions

  @Test
  void quietHoursDeferTheDeliveryToTheEndOfTheWindow() {
    Scene s = scene();
    var hhmm = DateTimeFormatter.ofPattern("HH:mm");
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String window =
        "\"quietHours\":{\"from\":\""
            + now.minusHours(1).format(hhmm)
            + "\",\"to\":\""
            + now.plusHours(1).format(hhmm)
            + "\"}";
    Platform quiet = s.consumer(9, 0, window, "STANDARD");
    Platform awake = s.consumer(1);

    String eventId = VacpFixture.newId("ev");
    var accepted = s.publish(eventId, PAYLOAD);
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    JsonNode recipients = accepted.json().get("recipients");
    assertThat(recipients.get(0).get("platformId").asText()).isEqualTo(quiet.id());
    assertThat(recipients.get(0).get("status").asText()).isEqualTo("PENDING");
    assertThat(recipients.get(0).get("reason").asText()).isEqualTo("QUIET_HOURS");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.status(eventId, awake).equals("DELIVERED"));
    JsonNode deferred = s.delivery(eventId, quiet);
    assertThat(deferred.get("status").asText()).isEqualTo("PENDING");
    assertThat(deferred.get("reason").asText()).isEqualTo("QUIET_HOURS");
    assertThat(deferred.get("attempts").asInt()).isZero();
    assertThat(events(quiet)).isEmpty();
  }

  @Test
  void onlyWhenImsRegisteredFollowsTheSubscribersImsRegistration() {
    Scene s = scene();
    Platform ims = s.consumer(5, 0, "\"onlyWhenImsRegistered\":true", "STANDARD");
    String imsi = "46001" + s.msisdn().substring(s.msisdn().length() - 10);
    assertThat(
            operator
                .put(
                    "/v1/ims/subscribers/" + imsi,
                    "{\"msisdn\":\"" + s.msisdn() + "\",\"mcc\":\"460\",\"mnc\":\"01\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            operator
                .put(
                    "/v1/subscribers/" + s.msisdn(),
                    "{\"imsi\":\"" + imsi + "\",\"homeRegion\":\"north\"}")
                .status())
        .isEqualTo(200);

    String before = s.published(PAYLOAD);
    await().atMost(Duration.ofSeconds(5)).until(() -> s.status(before, ims).equals("SKIPPED"));
    assertThat(s.delivery(before, ims).get("reason").asText()).isEqualTo("IMS_NOT_REGISTERED");

    var registered =
        node.client()
            .withToken(FRONTEND_TOKEN)
            .post(
                "/v1/ims/register",
                "{\"impi\":\""
                    + imsi
                    + "@ims.mnc001.mcc460.3gppnetwork.org\",\"contact\":\"sip:ue@10.0.0.1\","
                    + "\"expiresSeconds\":3600}");
    assertThat(registered.status()).as(registered.toString()).isEqualTo(200);

    String after = s.published(PAYLOAD);
    await().atMost(Duration.ofSeconds(10)).until(() -> s.status(after, ims).equals("DELIVERED"));
    assertThat(events(ims).stream().map(r -> r.fields().get("eventId")).toList())
        .containsExactly(after);
  }

  @Test
  void maxPerHourSkipsDeliveriesBeyondTheLimit() {
    Scene s = scene();
    Platform limited = s.consumer(5, 0, "\"maxPerHour\":2", "STANDARD");
    Platform unlimited = s.consumer(1);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) sent.add(s.published("{\"n\":" + i + "}"));

    for (String eventId : sent) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  !s.status(eventId, limited).equals("PENDING")
                      && s.status(eventId, unlimited).equals("DELIVERED"));
    }
    assertThat(s.status(sent.get(0), limited)).isEqualTo("DELIVERED");
    assertThat(s.status(sent.get(1), limited)).isEqualTo("DELIVERED");
    JsonNode third = s.delivery(sent.get(2), limited);
    assertThat(third.get("status").asText()).isEqualTo("SKIPPED");
    assertThat(third.get("reason").asText()).isEqualTo("MAX_PER_HOUR");
    assertThat(third.get("attempts").asInt()).isZero();
    assertThat(events(limited)).hasSize(2);
    assertThat(events(unlimited)).hasSize(3);

    var replay = s.publish(sent.get(2), "{\"n\":2}");
    assertThat(ids(replay.json().get("recipients"), "status"))
        .containsExactly("SKIPPED", "DELIVERED");
  }

  // ---------------------------------------------------------------- retries

  @Test
  void aPlatformBackFromAnOutageGetsTheEventWithoutHoldingBackLowerPriorities() {
    Scene s = scene();
    Platform flaky = s.consumer(9);
    Platform steady = s.consumer(2);
    flaky.stub().answer("events", 503, "{}");

    String eventId = s.published(PAYLOAD);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.status(eventId, steady).equals("DELIVERED"));
    JsonNode failing = s.delivery(eventId, flaky);
    flaky.stub().answer("events", 200, "{}");
    assertThat(failing.get("status").asText()).isEqualTo("PENDING");
    assertThat(failing.get("reason").asText()).isEqualTo("PLATFORM_FAILED");
    assertThat(failing.get("attempts").asInt()).isBetween(1, MAX_ATTEMPTS - 1);
    assertThat(events(flaky).get(0).order()).isLessThan(events(steady).get(0).order());

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> s.status(eventId, flaky).equals("DELIVERED"));
    JsonNode delivered = s.delivery(eventId, flaky);
    assertThat(delivered.get("attempts").asInt()).isGreaterThan(1);
    assertThat(delivered.get("reason").isNull()).isTrue();
  }

  @Test
  void aDeadPlatformIsFailedAfterTheLastAttemptAndARefusingOneAtOnce() {
    Scene s = scene();
    Platform dead = s.consumer(9);
    Platform refusing = s.consumer(5);
    dead.stub().close();
    refusing.stub().answer("events", 400, "{\"error\":\"unknown user\"}");

    String eventId = s.published(PAYLOAD);
    await().atMost(Duration.ofSeconds(15)).until(() -> s.status(eventId, dead).equals("FAILED"));
    JsonNode failed = s.delivery(eventId, dead);
    assertThat(failed.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
    assertThat(failed.get("reason").asText()).isEqualTo("PLATFORM_FAILED");

    JsonNode refused = s.delivery(eventId, refusing);
    assertThat(refused.get("status").asText()).isEqualTo("FAILED");
    assertThat(refused.get("reason").asText()).isEqualTo("PLATFORM_REJECTED");
    assertThat(refused.get("attempts").asInt()).isEqualTo(1);
    assertThat(events(refusing)).hasSize(1);
  }

  @Test
  void anUnreadableSuccessIsRetriedAndNeverCountsAsDelivered() {
    Scene s = scene();
    Platform garbled = s.consumer(9, 4, "", "STANDARD");
    Platform steady = s.consumer(2);
    garbled.stub().answer("events", 200, "<<<not json>>>");

    String eventId = s.published(PAYLOAD);
    await().atMost(Duration.ofSeconds(15)).until(() -> s.status(eventId, garbled).equals("FAILED"));
    JsonNode failed = s.delivery(eventId, garbled);
    assertThat(failed.get("reason").asText()).isEqualTo("PLATFORM_FAILED");
    assertThat(failed.get("attempts").asInt()).isEqualTo(MAX_ATTEMPTS);
    assertThat(events(garbled)).hasSize(MAX_ATTEMPTS);
    assertThat(s.status(eventId, steady)).isEqualTo("DELIVERED");
    String setting = VacpFixture.interworkingPath(s.msisdn(), garbled, s.capability());
    assertThat(garbled.client().get(setting).json().get("accrued").asLong())
        .as("no fee for a delivery that was never confirmed")
        .isZero();
  }

  // ---------------------------------------------------------------- protocol

  @Test
  void aFormPlatformGetsTheEventAsFormFields() throws Exception {
    Scene s = scene();
    Platform form = s.consumer(5, 0, "", "FORM");
    String eventId = s.published(PAYLOAD);
    await().atMost(Duration.ofSeconds(10)).until(() -> s.status(eventId, form).equals("DELIVERED"));
    StubPlatform.Received got = events(form).get(0);
    assertThat(got.contentType()).startsWith("application/x-www-form-urlencoded");
    assertThat(got.fields())
        .containsEntry("eventId", eventId)
        .containsEntry("capabilityId", s.capability())
        .containsEntry("msisdn", s.msisdn())
        .containsEntry("providerPlatformId", s.provider().id());
    assertThat(JSON.readTree(got.fields().get("payload"))).isEqualTo(JSON.readTree(PAYLOAD));
  }

  // ---------------------------------------------------------------- who may do what

  @Test
  void onlyTheProviderPublishesAndOnlyItAndOperatorsRead() {
    Scene s = scene();
    s.consumer(5);
    Platform stranger = vacp.platform(1, "central");
    String body =
        "{\"eventId\":\"%s\",\"capabilityId\":\""
            + s.capability()
            + "\",\"msisdn\":\""
            + s.msisdn()
            + "\",\"payload\":{}}";

    var forged = stranger.client().post("/v1/vacp/events", body.formatted(VacpFixture.newId("ev")));
    assertThat(forged.status()).as(forged.toString()).isEqualTo(403);
    assertThat(forged.code()).isEqualTo("FORBIDDEN");
    var anonymous = node.client().post("/v1/vacp/events", body.formatted(VacpFixture.newId("ev")));
    assertThat(anonymous.status()).isEqualTo(401);
    var asOperator = operator.post("/v1/vacp/events", body.formatted(VacpFixture.newId("ev")));
    assertThat(asOperator.status()).as("an operator token is not a platform key").isEqualTo(401);

    String eventId = s.published("{}");
    String path = "/v1/vacp/events/" + eventId;
    assertThat(s.provider().client().get(path).status()).isEqualTo(200);
    assertThat(operator.get(path).status()).isEqualTo(200);
    var peek = stranger.client().get(path);
    assertThat(peek.status()).isEqualTo(403);
    assertThat(peek.code()).isEqualTo("FORBIDDEN");
    assertThat(node.client().withToken(FRONTEND_TOKEN).get(path).status()).isEqualTo(403);
    assertThat(node.client().get(path).status()).isEqualTo(401);

    var unknown = operator.get("/v1/vacp/events/" + VacpFixture.newId("ev"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("NOT_FOUND");
  }

  @Test
  void badPublicationsAreRefusedWithTheirCodes() {
    Scene s = scene();
    ApiClient provider = s.provider().client();
    String pullOnly = vacp.capability(s.provider(), "PULL");
    String valid = "\"capabilityId\":\"" + s.capability() + "\",\"msisdn\":\"" + s.msisdn() + "\"";
    Map<String, String> refused =
        Map.of(
            "{" + valid + ",\"payload\":{}}",
            "INVALID_ARGUMENT",
            "{\"eventId\":\"e 1\"," + valid + ",\"payload\":{}}",
            "INVALID_ARGUMENT",
            "{\"eventId\":\"e1\"," + valid + "}",
            "INVALID_ARGUMENT",
            "{\"eventId\":\"e1\"," + valid + ",\"payload\":null}",
            "INVALID_ARGUMENT",
            "{\"eventId\":\"e1\",\"capabilityId\":\""
                + s.capability()
                + "\",\"msisdn\":\"12ab\",\"payload\":{}}",
            "INVALID_ARGUMENT",
            "{\"eventId\":\"e1\",\"capabilityId\":\""
                + s.capability()
                + "\",\"msisdn\":5,\"payload\":1}",
            "INVALID_ARGUMENT",
            "not json",
            "INVALID_ARGUMENT");
    refused.forEach(
        (body, code) -> {
          var r = provider.post("/v1/vacp/events", body);
          assertThat(r.status()).as(body + " → " + r).isEqualTo(400);
          assertThat(r.code()).isEqualTo(code);
        });

    var unknown =
        provider.post(
            "/v1/vacp/events",
            "{\"eventId\":\""
                + VacpFixture.newId("ev")
                + "\",\"capabilityId\":\""
                + VacpFixture.newId("cap")
                + "\",\"msisdn\":\""
                + s.msisdn()
                + "\",\"payload\":{}}");
    assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("UNKNOWN_CAPABILITY");

    var pull =
        provider.post(
            "/v1/vacp/events",
            "{\"eventId\":\""
                + VacpFixture.newId("ev")
                + "\",\"capabilityId\":\""
                + pullOnly
                + "\",\"msisdn\":\""
                + s.msisdn()
                + "\",\"payload\":{}}");
    assertThat(pull.status()).as(pull.toString()).isEqualTo(400);

    String huge = "\"" + "x".repeat(70_000) + "\"";
    var tooLarge = s.publish(VacpFixture.newId("ev"), huge);
    assertThat(tooLarge.status()).as(tooLarge.toString()).isEqualTo(413);
    assertThat(tooLarge.code()).isEqualTo("PAYLOAD_TOO_LARGE");
  }
}
