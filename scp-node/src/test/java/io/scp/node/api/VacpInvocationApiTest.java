package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.scp.api.proto.VacpInvocationRequest;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pull invocations through HTTP with real provider platforms (local HTTP servers): the result
 * handed back, protocol adaptation, idempotent replays, the fee on the setting and its settlement,
 * routing by service name to the user's home region, and every refusal with its code.
 */
class VacpInvocationApiTest {
  static final String VALID = "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\"";
  static final ObjectMapper JSON = new ObjectMapper();

  static TestNode node;
  static ApiClient api;
  static VacpFixture vacp;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            Map.of(
                "scp.vacp.platform.call-timeout", "1s",
                "scp.vacp.routing.call-timeout", "1s",
                "scp.vacp.retry-delay", "200ms"));
    api = node.client();
    vacp = new VacpFixture(api);
  }

  @AfterAll
  static void stop() {
    vacp.close();
    node.close();
  }

  /** A consumer A allowed to invoke provider B's capability for a user with a pull setting. */
  record Pull(Platform consumer, Platform provider, String capability, String msisdn) {
    ApiClient.Response invoke(String invocationId, String payload) {
      return VacpInvocationApiTest.invoke(consumer, invocationId, msisdn, capability, payload);
    }
  }

  static Pull pull(String protocol, long fee, Long balance) {
    Platform provider = vacp.platform(1, "central", protocol);
    Platform consumer = vacp.platform(1, "central");
    String capability = vacp.capability(provider, "PULL");
    vacp.authorize(consumer, capability, VALID + ",\"feePerUse\":" + fee);
    String msisdn = vacp.subscriber(balance, consumer.id(), provider.id());
    setUp(consumer, msisdn, capability, "PULL");
    return new Pull(consumer, provider, capability, msisdn);
  }

  static void setUp(Platform consumer, String msisdn, String capability, String mode) {
    var r =
        consumer
            .client()
            .put(
                VacpFixture.interworkingPath(msisdn, consumer, capability),
                "{\"mode\":\"" + mode + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  static ApiClient.Response invoke(
      Platform consumer, String invocationId, String msisdn, String capability, String payload) {
    return consumer
        .client()
        .post(
            "/v1/vacp/invocations",
            "{\"invocationId\":\""
                + invocationId
                + "\",\"msisdn\":\""
                + msisdn
                + "\",\"capability\":\""
                + capability
                + "\""
                + (payload == null ? "" : ",\"payload\":" + payload)
                + "}");
  }

  static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  // ---------------------------------------------------------------- the happy path

  @Test
  void theProviderIsCalledAndItsResultReturned() throws Exception {
    Pull p = pull("STANDARD", 7, 1000L);
    p.provider()
        .stub()
        .answer("invoke", 200, "{\"result\":{\"temperature\":21,\"sky\":\"clear\"}}");

    var r = p.invoke("inv-1", "{\"city\":\"Beijing\",\"days\":[1,2]}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode answer = r.json();
    assertThat(answer.get("invocationId").asText()).isEqualTo("inv-1");
    assertThat(answer.get("result")).isEqualTo(json("{\"temperature\":21,\"sky\":\"clear\"}"));
    assertThat(answer.get("providerPlatformId").asText()).isEqualTo(p.provider().id());
    assertThat(answer.get("capabilityId").asText()).isEqualTo(p.capability());
    assertThat(answer.has("region")).isTrue();

    var calls = p.provider().stub().received("invoke");
    assertThat(calls).hasSize(1);
    StubPlatform.Received call = calls.get(0);
    assertThat(call.contentType()).startsWith("application/json");
    assertThat(call.fields())
        .containsEntry("invocationId", "inv-1")
        .containsEntry("msisdn", p.msisdn())
        .containsEntry("capabilityId", p.capability())
        .containsEntry("consumerPlatformId", p.consumer().id());
    assertThat(json(call.body()).get("payload"))
        .isEqualTo(json("{\"city\":\"Beijing\",\"days\":[1,2]}"));
  }

  @Test
  void aReplayIsAnsweredWithoutCallingTheProviderAgain() {
    Pull p = pull("STANDARD", 0, null);
    p.provider().stub().answer("invoke", 200, "{\"result\":\"first\"}");
    var first = p.invoke("inv-replay", "{\"n\":1}");
    assertThat(first.status()).as(first.toString()).isEqualTo(200);

    p.provider().stub().answer("invoke", 200, "{\"result\":\"second\"}");
    var replay = p.invoke("inv-replay", "{\"n\":1}");
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(first.json());
    assertThat(p.provider().stub().received("invoke")).hasSize(1);

    var conflict = p.invoke("inv-replay", "{\"n\":2}");
    assertThat(conflict.status()).as(conflict.toString()).isEqualTo(409);
    assertThat(conflict.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    assertThat(p.provider().stub().received("invoke")).hasSize(1);

    var another = p.invoke("inv-replay-2", "{\"n\":1}");
    assertThat(another.json().get("result").asText()).isEqualTo("second");
  }

  @Test
  void aFormProviderGetsFormFieldsAndItsFormAnswerIsTheResult() throws Exception {
    Pull p = pull("FORM", 0, null);
    p.provider().stub().answerForm("invoke", 200, "result=sunny&unit=C");

    var r = p.invoke("inv-form", "{\"city\":\"Shanghai\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("result").asText()).isEqualTo("sunny");

    StubPlatform.Received call = p.provider().stub().received("invoke").get(0);
    assertThat(call.contentType()).startsWith("application/x-www-form-urlencoded");
    assertThat(call.fields())
        .containsEntry("invocationId", "inv-form")
        .containsEntry("msisdn", p.msisdn());
    assertThat(json(call.fields().get("payload"))).isEqualTo(json("{\"city\":\"Shanghai\"}"));
  }

  @Test
  void eachSuccessAccruesTheFeeWhichTheCancellationSettles() {
    Pull p = pull("STANDARD", 15, 1000L);
    for (String id : new String[] {"u1", "u2", "u3"}) {
      assertThat(p.invoke(id, null).status()).isEqualTo(200);
    }
    assertThat(p.invoke("u1", null).status()).as("a replay is not a use").isEqualTo(200);
    p.provider().stub().answer("invoke", 400, "{\"error\":\"no\"}");
    assertThat(p.invoke("u4", null).code()).isEqualTo("PROVIDER_REJECTED");

    String path = VacpFixture.interworkingPath(p.msisdn(), p.consumer(), p.capability());
    JsonNode setting = p.consumer().client().get(path).json();
    assertThat(setting.get("uses").asLong()).isEqualTo(3);
    assertThat(setting.get("accrued").asLong()).isEqualTo(45);

    var cancelled = p.consumer().client().delete(path);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(cancelled.json().get("settled").asLong()).isEqualTo(45);
    JsonNode account = vacp.account(p.msisdn());
    assertThat(account.get("balance").asLong()).isEqualTo(955);
    assertThat(account.get("deducted").asLong()).isEqualTo(45);
  }

  /**
   * mission §4: cancellation settles first. A use the provider is serving when the user cancels is
   * settled with the others — the cancellation waits for it — not lost (its fee was refused once
   * the setting was gone: found by a race audit of the built jar).
   */
  @Test
  void aCancellationWhileTheProviderServesAUseSettlesThatUseToo() throws Exception {
    Pull p = pull("STANDARD", 15, 1000L);
    assertThat(p.invoke("before", null).status()).isEqualTo(200);
    p.provider().stub().answerAfter("invoke", Duration.ofMillis(600));
    var inFlight = CompletableFuture.supplyAsync(() -> p.invoke("during", null));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.provider().stub().received("invoke").size() == 2);

    String path = VacpFixture.interworkingPath(p.msisdn(), p.consumer(), p.capability());
    var cancelled = p.consumer().client().delete(path);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    assertThat(cancelled.json().get("settled").asLong()).isEqualTo(30);
    var served = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(served.status()).as(served.toString()).isEqualTo(200);
    JsonNode account = vacp.account(p.msisdn());
    assertThat(account.get("deducted").asLong()).isEqualTo(30);
    assertThat(account.get("balance").asLong()).isEqualTo(970);

    // a use that fails ends at once: the cancellation does not wait out its hold
    setUp(p.consumer(), p.msisdn(), p.capability(), "PULL");
    p.provider().stub().answer("invoke", 400, "{\"error\":\"no\"}");
    assertThat(p.invoke("refused", null).code()).isEqualTo("PROVIDER_REJECTED");
    var again = p.consumer().client().delete(path);
    assertThat(again.status()).as("answered before its hold (12 s) is out " + again).isEqualTo(200);
    assertThat(again.json().get("settled").asLong()).isZero();

    // so does a use whose provider is never called (suspended)
    setUp(p.consumer(), p.msisdn(), p.capability(), "PULL");
    var suspend =
        api.put(
            "/v1/vacp/platforms/" + p.provider().id(),
            "{\"serviceClass\":1,\"vacpId\":\"central\",\"callbackUrl\":\""
                + p.provider().stub().url()
                + "\",\"status\":\"SUSPENDED\"}");
    assertThat(suspend.status()).as(suspend.toString()).isEqualTo(200);
    var notCalled = p.invoke("not-called", null);
    assertThat(notCalled.json().get("message").asText()).contains("suspended; not called");
    var third = p.consumer().client().delete(path);
    assertThat(third.status()).as("answered before its hold (12 s) is out " + third).isEqualTo(200);
    assertThat(third.json().get("settled").asLong()).isZero();
  }

  // ---------------------------------------------------------------- routing

  @Test
  void aServiceNameRoutesToTheProviderOfTheUsersHomeRegion() {
    String north = vacp.regional();
    String south = vacp.regional();
    String service = VacpFixture.newId("weather");
    Platform northProvider = vacp.platform(2, north);
    Platform southProvider = vacp.platform(2, south);
    String northCap = vacp.capability(northProvider, "PULL", VacpFixture.newId("cap"), service);
    String southCap = vacp.capability(southProvider, "BOTH", VacpFixture.newId("cap"), service);
    northProvider.stub().answer("invoke", 200, "{\"result\":\"north\"}");
    southProvider.stub().answer("invoke", 200, "{\"result\":\"south\"}");
    Platform consumer = vacp.platform(1, "central");
    vacp.authorize(consumer, northCap, VALID);
    vacp.authorize(consumer, southCap, VALID);

    String northUser =
        vacp.subscriber(VacpFixture.regionOf(north), null, consumer.id(), northProvider.id());
    String southUser =
        vacp.subscriber(VacpFixture.regionOf(south), null, consumer.id(), southProvider.id());
    setUp(consumer, northUser, northCap, "PULL");
    setUp(consumer, southUser, southCap, "PULL");

    var n = invoke(consumer, "route-n", northUser, service, null);
    assertThat(n.status()).as(n.toString()).isEqualTo(200);
    assertThat(n.json().get("providerPlatformId").asText()).isEqualTo(northProvider.id());
    assertThat(n.json().get("capabilityId").asText()).isEqualTo(northCap);
    assertThat(n.json().get("region").asText()).isEqualTo(VacpFixture.regionOf(north));
    assertThat(n.json().get("result").asText()).isEqualTo("north");

    var s = invoke(consumer, "route-s", southUser, service, null);
    assertThat(s.status()).as(s.toString()).isEqualTo(200);
    assertThat(s.json().get("providerPlatformId").asText()).isEqualTo(southProvider.id());
    assertThat(s.json().get("region").asText()).isEqualTo(VacpFixture.regionOf(south));
    assertThat(northProvider.stub().received("invoke")).hasSize(1);
    assertThat(southProvider.stub().received("invoke")).hasSize(1);

    String elsewhere =
        vacp.subscriber("nowhere", null, consumer.id(), northProvider.id(), southProvider.id());
    var none = invoke(consumer, "route-x", elsewhere, service, null);
    assertThat(none.status()).as(none.toString()).isEqualTo(404);
    assertThat(none.code()).isEqualTo("NO_PROVIDER_FOR_REGION");

    var unknown = invoke(consumer, "route-u", northUser, VacpFixture.newId("nosvc"), null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("UNKNOWN_CAPABILITY");
  }

  /**
   * A service offered by several capabilities goes to one the consumer may use: authorised and of a
   * style that offers the mode, not simply the first by id.
   */
  @Test
  void aServiceNameRoutesToACapabilityTheConsumerMayUse() {
    String service = VacpFixture.newId("forecast");
    Platform provider = vacp.platform(1, "central");
    String first = vacp.capability(provider, "PULL", VacpFixture.newId("a"), service);
    String pushOnly = vacp.capability(provider, "PUSH", VacpFixture.newId("b"), service);
    String usable = vacp.capability(provider, "PULL", VacpFixture.newId("c"), service);
    provider.stub().answer("invoke", 200, "{\"result\":\"sunny\"}");
    Platform consumer = vacp.platform(1, "central");
    String msisdn = vacp.subscriber(null, consumer.id(), provider.id());

    var none = invoke(consumer, "pick-0", msisdn, service, null);
    assertThat(none.status()).as("authorised for none: the first one's refusal").isEqualTo(403);
    assertThat(none.code()).isEqualTo("NOT_AUTHORIZED");
    assertThat(none.json().get("message").asText()).contains(first);

    vacp.authorize(consumer, pushOnly, VALID);
    vacp.authorize(consumer, usable, VALID);
    setUp(consumer, msisdn, usable, "PULL");
    var chosen = invoke(consumer, "pick-1", msisdn, service, null);
    assertThat(chosen.status()).as(chosen.toString()).isEqualTo(200);
    assertThat(chosen.json().get("capabilityId").asText()).isEqualTo(usable);
    assertThat(chosen.json().get("result").asText()).isEqualTo("sunny");
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void everyCheckRefusesWithItsCode() {
    Pull p = pull("STANDARD", 0, null);
    String a = p.consumer().id();
    String b = p.provider().id();

    var noKey = api.post("/v1/vacp/invocations", "{}");
    assertThat(noKey.status()).isEqualTo(401);
    assertThat(p.consumer().client().post("/v1/vacp/invocations", "{}").status()).isEqualTo(400);
    assertThat(p.invoke("bad id!", null).status()).isEqualTo(400);

    var unknownCap = invoke(p.consumer(), "c1", p.msisdn(), VacpFixture.newId("nope"), null);
    assertThat(unknownCap.status()).isEqualTo(404);
    assertThat(unknownCap.code()).isEqualTo("UNKNOWN_CAPABILITY");

    String pushOnly = vacp.capability(p.provider(), "PUSH");
    vacp.authorize(p.consumer(), pushOnly, VALID);
    var push = invoke(p.consumer(), "c2", p.msisdn(), pushOnly, null);
    assertThat(push.status()).as(push.toString()).isEqualTo(400);
    assertThat(push.code()).isEqualTo("INVALID_ARGUMENT");

    String unauthorised = vacp.capability(p.provider(), "PULL");
    var notAuthorized = invoke(p.consumer(), "c3", p.msisdn(), unauthorised, null);
    assertThat(notAuthorized.status()).isEqualTo(403);
    assertThat(notAuthorized.code()).isEqualTo("NOT_AUTHORIZED");
    vacp.authorize(p.consumer(), unauthorised, "\"validUntil\":\"2021-01-01\"");
    assertThat(invoke(p.consumer(), "c3", p.msisdn(), unauthorised, null).code())
        .as("expired authorisation")
        .isEqualTo("NOT_AUTHORIZED");

    var unknownUser = invoke(p.consumer(), "c4", VacpFixture.newMsisdn(), p.capability(), null);
    assertThat(unknownUser.status()).isEqualTo(404);
    assertThat(unknownUser.code()).isEqualTo("UNKNOWN_SUBSCRIBER");

    for (String onlyOne : new String[] {a, b}) {
      String user = vacp.subscriber(null, onlyOne);
      var r = invoke(p.consumer(), "c5-" + onlyOne, user, p.capability(), null);
      assertThat(r.status()).as(r.toString()).isEqualTo(409);
      assertThat(r.code()).isEqualTo("NOT_SUBSCRIBED");
    }

    String noSetting = vacp.subscriber(null, a, b);
    var noInterworking = invoke(p.consumer(), "c6", noSetting, p.capability(), null);
    assertThat(noInterworking.status()).isEqualTo(403);
    assertThat(noInterworking.code()).isEqualTo("NO_INTERWORKING");

    String both = vacp.capability(p.provider(), "BOTH");
    vacp.authorize(p.consumer(), both, VALID);
    setUp(p.consumer(), p.msisdn(), both, "PUSH");
    var pushSetting = invoke(p.consumer(), "c7", p.msisdn(), both, null);
    assertThat(pushSetting.status()).isEqualTo(403);
    assertThat(pushSetting.code())
        .as("a push setting does not allow pulls")
        .isEqualTo("NO_INTERWORKING");

    api.put("/v1/subscribers/" + p.msisdn(), "{\"status\":\"SUSPENDED\"}");
    var suspended = p.invoke("c8", null);
    assertThat(suspended.status()).isEqualTo(409);
    assertThat(suspended.code()).isEqualTo("SUBSCRIBER_SUSPENDED");
    api.put("/v1/subscribers/" + p.msisdn(), "{\"status\":\"ACTIVE\"}");
    assertThat(p.invoke("c8", null).status())
        .as("a refused check is not remembered")
        .isEqualTo(200);

    assertThat(p.provider().client().delete("/v1/vacp/capabilities/" + p.capability()).status())
        .isEqualTo(200);
    var deregistered = p.invoke("c9", null);
    assertThat(deregistered.status()).isEqualTo(404);
    assertThat(deregistered.code()).isEqualTo("UNKNOWN_CAPABILITY");
    assertThat(p.provider().stub().received("invoke")).hasSize(1);
  }

  @Test
  void aPayloadIsBoundedByItsJsonTextInEitherFormat() throws Exception {
    Pull p = pull("STANDARD", 0, null);
    p.provider().stub().answer("invoke", 200, "{\"result\":true}");
    int limit = 1 << 20; // scp.vacp.routing.max-payload-bytes

    String atTheLimit = "\"" + "x".repeat(limit - 2) + "\"";
    var within = p.invoke("big-1", atTheLimit);
    assertThat(within.status()).as("a payload of exactly the limit").isEqualTo(200);
    assertThat(json(p.provider().stub().received("invoke").get(0).body()).get("payload").asText())
        .hasSize(limit - 2);

    var over = p.invoke("big-2", "\"" + "x".repeat(limit - 1) + "\"");
    assertThat(over.status()).as(over.toString()).isEqualTo(413);
    assertThat(over.code()).isEqualTo("PAYLOAD_TOO_LARGE");

    // 200 000 control characters are 200 kB of protobuf body but 1.2 MB of JSON ("\u0001" each):
    // the text the payload is handed on as is what is bounded.
    var request =
        VacpInvocationRequest.newBuilder()
            .setInvocationId("big-3")
            .setMsisdn(p.msisdn())
            .setCapability(p.capability())
            .setPayload(Value.newBuilder().setStringValue("\u0001".repeat(200_000)))
            .build();
    var protobuf =
        p.consumer()
            .client()
            .withHeader("Accept", "application/json")
            .send("POST", "/v1/vacp/invocations", request.toByteArray(), "application/x-protobuf");
    assertThat(protobuf.status()).as(protobuf.toString()).isEqualTo(413);
    assertThat(protobuf.code()).isEqualTo("PAYLOAD_TOO_LARGE");

    assertThat(p.provider().stub().received("invoke"))
        .as("refused payloads are not sent")
        .hasSize(1);
    assertThat(p.invoke("big-4", "{\"small\":1}").status()).isEqualTo(200);
  }

  /** A JSON null inside a protobuf payload is google.protobuf.NullValue's only value, zero. */
  @Test
  void aProtobufPayloadMayCarryJsonNulls() throws Exception {
    Pull p = pull("STANDARD", 0, null);
    p.provider().stub().answer("invoke", 200, "{\"result\":{\"city\":null}}");
    Value nul = Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    var request =
        VacpInvocationRequest.newBuilder()
            .setInvocationId("nul-1")
            .setMsisdn(p.msisdn())
            .setCapability(p.capability())
            .setPayload(Value.newBuilder().setStructValue(Struct.newBuilder().putFields("a", nul)))
            .build();
    var answer =
        p.consumer()
            .client()
            .withHeader("Accept", "application/json")
            .send("POST", "/v1/vacp/invocations", request.toByteArray(), "application/x-protobuf");
    assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
    assertThat(answer.json().get("result").get("city").isNull()).isTrue();
    JsonNode sent = json(p.provider().stub().received("invoke").get(0).body()).get("payload");
    assertThat(sent.has("a") && sent.get("a").isNull()).as(sent.toString()).isTrue();
  }

  @Test
  void theProvidersRefusalFailureAndSilenceHaveTheirCodes() {
    Pull p = pull("STANDARD", 0, null);
    p.provider().stub().answer("invoke", 422, "{\"error\":\"unknown city\"}");
    var rejected = p.invoke("p1", null);
    assertThat(rejected.status()).as(rejected.toString()).isEqualTo(502);
    assertThat(rejected.code()).isEqualTo("PROVIDER_REJECTED");
    p.provider().stub().answer("invoke", 200, "{\"accepted\":false}");
    assertThat(p.invoke("p2", null).code()).isEqualTo("PROVIDER_REJECTED");
    p.provider().stub().answer("invoke", 200, "{\"result\":1}");
    assertThat(p.invoke("p1", null).code())
        .as("a refusal is final for its invocation id")
        .isEqualTo("PROVIDER_REJECTED");

    p.provider().stub().answer("invoke", 503, "{}");
    var failed = p.invoke("p3", null);
    assertThat(failed.status()).isEqualTo(502);
    assertThat(failed.code()).isEqualTo("PROVIDER_FAILED");

    p.provider().stub().answerAfter("invoke", Duration.ofMillis(2500));
    var slow = p.invoke("p4", null);
    assertThat(slow.status()).as(slow.toString()).isEqualTo(504);
    assertThat(slow.code()).isEqualTo("PROVIDER_TIMEOUT");

    p.provider().stub().answer("invoke", 408, "{}");
    var gaveUp = p.invoke("p5", null);
    assertThat(gaveUp.status()).as("408 is a timeout, not a refusal " + gaveUp).isEqualTo(504);
    assertThat(gaveUp.code()).isEqualTo("PROVIDER_TIMEOUT");

    p.provider().stub().answer("invoke", 200, "{\"result\":\"ok\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> p.invoke("p3", null).status() == 200);
    assertThat(p.invoke("p3", null).json().get("result").asText())
        .as("a failed invocation may be retried with its id")
        .isEqualTo("ok");
  }

  @Test
  void aSuccessWithAnUnreadableBodyIsAProviderFailureNotAResult() {
    Pull json = pull("STANDARD", 7, 1000L);
    json.provider().stub().answer("invoke", 200, "{\"result\": [1,2");
    var truncated = json.invoke("m1", null);
    assertThat(truncated.status()).as(truncated.toString()).isEqualTo(502);
    assertThat(truncated.code()).isEqualTo("PROVIDER_FAILED");
    json.provider().stub().answer("invoke", 200, "<<<not json>>>");
    assertThat(json.invoke("m2", null).code()).isEqualTo("PROVIDER_FAILED");
    // half a surrogate pair is no text: it could never be kept with the invocation
    json.provider().stub().answer("invoke", 200, "{\"result\":\"\\ud800\"}");
    var notUnicode = json.invoke("m3", null);
    assertThat(notUnicode.status()).as(notUnicode.toString()).isEqualTo(502);
    assertThat(notUnicode.code()).isEqualTo("PROVIDER_FAILED");
    assertThat(notUnicode.json().get("message").asText()).contains("not Unicode");

    Pull form = pull("FORM", 7, 1000L);
    form.provider().stub().answerForm("invoke", 200, "result=100%zz");
    var badForm = form.invoke("m1", null);
    assertThat(badForm.status()).as(badForm.toString()).isEqualTo(502);
    assertThat(badForm.code()).isEqualTo("PROVIDER_FAILED");
    form.provider().stub().answerForm("invoke", 200, "result=%22%5Cud800%22");
    assertThat(form.invoke("m2", null).code()).isEqualTo("PROVIDER_FAILED");

    String setting =
        VacpFixture.interworkingPath(json.msisdn(), json.consumer(), json.capability());
    assertThat(json.consumer().client().get(setting).json().get("uses").asLong())
        .as("no fee for an answer nobody could read")
        .isZero();
    json.provider().stub().answer("invoke", 200, "{\"result\":[1,2]}");
    var retried = json.invoke("m1", null);
    assertThat(retried.status())
        .as("not remembered as final: the same id may be retried " + retried)
        .isEqualTo(200);
    assertThat(retried.json().get("result").toString()).isEqualTo("[1,2]");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> json.consumer().client().get(setting).json().get("accrued").asLong() == 7);
  }
}
