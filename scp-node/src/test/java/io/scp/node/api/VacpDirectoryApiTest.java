package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The VACP directory through HTTP with real platforms (local HTTP servers): nodes, platforms and
 * their API keys, platform authentication, capability review, publication and withdrawal across the
 * hierarchy, authorisations.
 */
class VacpDirectoryApiTest {
  static TestNode node;
  static ApiClient api;
  static VacpFixture vacp;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.vacp.retry-delay", "200ms"));
    api = node.client();
    vacp = new VacpFixture(api);
  }

  @AfterAll
  static void stop() {
    vacp.close();
    node.close();
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  // ---------------------------------------------------------------- nodes

  @Test
  void theCentralVacpExistsAndRegionalOnesAttachToIt() {
    var central = api.put("/v1/vacp/nodes/central", "{\"level\":\"CENTRAL\"}");
    assertThat(central.status()).as(central.toString()).isEqualTo(200);
    assertThat(central.json().get("level").asText()).isEqualTo("CENTRAL");

    String id = VacpFixture.newId("vacp");
    String body = "{\"level\":\"REGIONAL\",\"region\":\"south\"}";
    var created = api.put("/v1/vacp/nodes/" + id, body);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().get("parentId").asText()).isEqualTo("central");
    assertThat(created.json().get("region").asText()).isEqualTo("south");
    assertThat(api.put("/v1/vacp/nodes/" + id, body).status()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.get("/v1/vacp/nodes/" + id).json().get("attached").asBoolean());
    assertThat(texts(api.get("/v1/vacp/nodes/central").json().get("children"))).contains(id);

    var moved = api.put("/v1/vacp/nodes/" + id, "{\"level\":\"CENTRAL\"}");
    assertThat(moved.status()).isEqualTo(409);
    assertThat(moved.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    var reparented =
        api.put("/v1/vacp/nodes/" + id, "{\"level\":\"REGIONAL\",\"parentId\":\"" + id + "\"}");
    assertThat(reparented.status()).as(reparented.toString()).isEqualTo(409);
    assertThat(reparented.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
  }

  @Test
  void theCentralVacpsLevelCannotChangeEitherWhateverTheParentAskedFor() {
    for (String body :
        List.of(
            "{\"level\":\"REGIONAL\"}",
            "{\"level\":\"REGIONAL\",\"parentId\":\"central\"}",
            "{\"level\":\"REGIONAL\",\"parentId\":\"no-such-vacp\"}")) {
      var demoted = api.put("/v1/vacp/nodes/central", body);
      assertThat(demoted.status()).as(body + " " + demoted).isEqualTo(409);
      assertThat(demoted.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    }
    assertThat(api.get("/v1/vacp/nodes/central").json().get("level").asText()).isEqualTo("CENTRAL");
  }

  @Test
  void nodeSettingsAreChecked() {
    String id = VacpFixture.newId("vacp");
    assertThat(api.put("/v1/vacp/nodes/" + id, "{\"region\":\"x\"}").status()).isEqualTo(400);
    assertThat(api.put("/v1/vacp/nodes/" + id, "{\"level\":\"GLOBAL\"}").code())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(
            api.put("/v1/vacp/nodes/" + id, "{\"level\":\"CENTRAL\",\"parentId\":\"central\"}")
                .status())
        .isEqualTo(400);
    var ownParent =
        api.put("/v1/vacp/nodes/" + id, "{\"level\":\"REGIONAL\",\"parentId\":\"" + id + "\"}");
    assertThat(ownParent.status()).as("a new VACP under itself: " + ownParent).isEqualTo(400);
    var orphan =
        api.put(
            "/v1/vacp/nodes/" + id,
            "{\"level\":\"REGIONAL\",\"region\":\"r\",\"parentId\":\"no-such-vacp\"}");
    assertThat(orphan.status()).isEqualTo(404);
    String regional = vacp.regional();
    var underRegional =
        api.put(
            "/v1/vacp/nodes/" + id,
            "{\"level\":\"REGIONAL\",\"region\":\"r\",\"parentId\":\"" + regional + "\"}");
    assertThat(underRegional.status()).as("two levels only").isEqualTo(400);
    assertThat(api.get("/v1/vacp/nodes/" + id).status()).isEqualTo(404);
    var unnamed = api.put("/v1/vacp/nodes/" + id, "{\"level\":\"REGIONAL\"}");
    assertThat(unnamed.status()).as(unnamed.toString()).isEqualTo(201);
    assertThat(unnamed.json().get("region").asText()).as("defaults to the id").isEqualTo(id);
  }

  // ---------------------------------------------------------------- platforms and keys

  @Test
  void aPlatformsApiKeyIsShownOnceAndCanBeRotated() {
    Platform p = vacp.platform(1, "central");
    assertThat(p.apiKey()).startsWith("vacp_").hasSizeGreaterThan(40);
    String body =
        "{\"name\":\"Weather\",\"serviceClass\":1,\"callbackUrl\":\"" + p.stub().url() + "\"}";
    var again = api.put("/v1/vacp/platforms/" + p.id(), body);
    assertThat(again.status()).as(again.toString()).isEqualTo(200);
    assertThat(again.json().get("apiKey").isNull()).isTrue();
    assertThat(again.json().get("name").asText()).isEqualTo("Weather");
    assertThat(again.json().get("vacpId").asText()).isEqualTo("central");
    assertThat(again.json().get("protocol").asText()).isEqualTo("STANDARD");
    var read = api.get("/v1/vacp/platforms/" + p.id());
    assertThat(read.json().get("apiKey").isNull()).isTrue();
    assertThat(read.toString()).doesNotContain(p.apiKey());
    var otherClass =
        api.put(
            "/v1/vacp/platforms/" + p.id(),
            "{\"serviceClass\":2,\"vacpId\":\""
                + vacp.regional()
                + "\",\"callbackUrl\":\""
                + p.stub().url()
                + "\"}");
    assertThat(otherClass.code()).isEqualTo("IDEMPOTENCY_CONFLICT");

    // the key works
    assertThat(p.client().get("/v1/vacp/capabilities/none-" + p.id()).code())
        .isEqualTo("UNKNOWN_CAPABILITY");
    assertThat(p.client().delete("/v1/vacp/capabilities/none-" + p.id()).code())
        .isEqualTo("UNKNOWN_CAPABILITY");

    var rotated = api.post("/v1/vacp/platforms/" + p.id() + "/api-key", "{}");
    assertThat(rotated.status()).isEqualTo(200);
    String newKey = rotated.json().get("apiKey").asText();
    assertThat(newKey).isNotEqualTo(p.apiKey());
    assertThat(p.client().delete("/v1/vacp/capabilities/none-" + p.id()).status())
        .as("the old key no longer works")
        .isEqualTo(401);
    assertThat(api.withToken(newKey).delete("/v1/vacp/capabilities/none-" + p.id()).code())
        .isEqualTo("UNKNOWN_CAPABILITY");
  }

  @Test
  void platformSettingsAreChecked() {
    String regional = vacp.regional();
    String id = VacpFixture.newId("pf");
    String url = "\"callbackUrl\":\"http://127.0.0.1:1/x\"";
    assertThat(api.put("/v1/vacp/platforms/" + id, "{\"serviceClass\":1}").status())
        .as("callbackUrl required")
        .isEqualTo(400);
    assertThat(api.put("/v1/vacp/platforms/" + id, "{" + url + "}").status()).isEqualTo(400);
    assertThat(api.put("/v1/vacp/platforms/" + id, "{\"serviceClass\":4," + url + "}").status())
        .isEqualTo(400);
    assertThat(
            api.put(
                    "/v1/vacp/platforms/" + id,
                    "{\"serviceClass\":1,\"callbackUrl\":\"ftp://host/x\"}")
                .status())
        .isEqualTo(400);
    assertThat(api.put("/v1/vacp/platforms/" + id, "{\"serviceClass\":2," + url + "}").status())
        .as("class 2 needs its regional VACP")
        .isEqualTo(400);
    assertThat(
            api.put(
                    "/v1/vacp/platforms/" + id,
                    "{\"serviceClass\":3,\"vacpId\":\"central\"," + url + "}")
                .status())
        .isEqualTo(400);
    assertThat(
            api.put(
                    "/v1/vacp/platforms/" + id,
                    "{\"serviceClass\":2,\"vacpId\":\"nowhere\"," + url + "}")
                .status())
        .isEqualTo(404);
    assertThat(
            api.put(
                    "/v1/vacp/platforms/" + id,
                    "{\"serviceClass\":1,\"protocol\":\"SOAP\"," + url + "}")
                .status())
        .isEqualTo(400);
    var local =
        api.put(
            "/v1/vacp/platforms/" + id,
            "{\"serviceClass\":3,\"vacpId\":\"" + regional + "\"," + url + "}");
    assertThat(local.status()).as(local.toString()).isEqualTo(201);
    assertThat(local.json().get("region").asText())
        .as("defaults to the VACP's region")
        .isEqualTo(regional.replace("vacp", "reg"));
  }

  @Test
  void platformEndpointsNeedThePlatformsOwnKey() {
    Platform owner = vacp.platform(1, "central");
    Platform other = vacp.platform(1, "central");
    String capability = vacp.capability(owner, "PULL");
    String spec = "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\",\"style\":\"PULL\"}";

    var none = api.put("/v1/vacp/capabilities/" + VacpFixture.newId("cap"), spec);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.code()).isEqualTo("UNAUTHENTICATED");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
    assertThat(api.withToken("vacp_forged").delete("/v1/vacp/capabilities/" + capability).status())
        .isEqualTo(401);
    assertThat(
            api.withToken(owner.apiKey() + "x")
                .delete("/v1/vacp/capabilities/" + capability)
                .status())
        .isEqualTo(401);

    var hijack = other.client().put("/v1/vacp/capabilities/" + capability, spec);
    assertThat(hijack.status()).as("a platform may act only as itself").isEqualTo(403);
    assertThat(hijack.code()).isEqualTo("FORBIDDEN");
    assertThat(other.client().delete("/v1/vacp/capabilities/" + capability).status())
        .isEqualTo(403);
    String msisdn = vacp.subscriber(null, owner.id(), other.id());
    var asAnother =
        other
            .client()
            .put(VacpFixture.interworkingPath(msisdn, owner, capability), "{\"mode\":\"PULL\"}");
    assertThat(asAnother.status()).isEqualTo(403);
    assertThat(asAnother.code()).isEqualTo("FORBIDDEN");
    assertThat(
            other.client().delete(VacpFixture.interworkingPath(msisdn, owner, capability)).code())
        .isEqualTo("FORBIDDEN");
    assertThat(api.get("/v1/vacp/capabilities/" + capability).json().get("platformId").asText())
        .isEqualTo(owner.id());

    var suspended =
        api.put(
            "/v1/vacp/platforms/" + other.id(),
            "{\"serviceClass\":1,\"status\":\"SUSPENDED\",\"callbackUrl\":\""
                + other.stub().url()
                + "\"}");
    assertThat(suspended.status()).isEqualTo(200);
    assertThat(other.client().put("/v1/vacp/capabilities/" + VacpFixture.newId("cap"), spec).code())
        .isEqualTo("FORBIDDEN");
  }

  // ---------------------------------------------------------------- capabilities

  @Test
  void capabilitiesAreReviewed() {
    Platform p = vacp.platform(1, "central");
    String path = "/v1/vacp/capabilities/" + VacpFixture.newId("cap");
    for (String bad :
        List.of(
            "{\"name\":\"n\",\"description\":\"d\",\"style\":\"PULL\"}",
            "{\"service\":\"has space\",\"name\":\"n\",\"description\":\"d\",\"style\":\"PULL\"}",
            "{\"service\":\"s\",\"description\":\"d\",\"style\":\"PULL\"}",
            "{\"service\":\"s\",\"name\":\"  \",\"description\":\"d\",\"style\":\"PULL\"}",
            "{\"service\":\"s\",\"name\":\"n\",\"description\":\"\",\"style\":\"PULL\"}",
            "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\"}",
            "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\",\"style\":\"POLL\"}",
            "{\"service\":\"s\",\"name\":\"n\",\"description\":\"d\",\"style\":1}",
            "[1]")) {
      var r = p.client().put(path, bad);
      assertThat(r.status()).as(bad + " -> " + r).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(p.client().get(path).code()).isEqualTo("UNKNOWN_CAPABILITY");
  }

  @Test
  void class1CapabilitiesArePublishedToEveryRegionalVacpAndWithdrawn() {
    String north = vacp.regional();
    String south = vacp.regional();
    Platform provider = vacp.platform(1, "central");
    String id = VacpFixture.newId("cap");
    String path = "/v1/vacp/capabilities/" + id;
    String spec =
        "{\"service\":\"weather\",\"name\":\"Forecast\",\"description\":\"5-day forecast\","
            + "\"style\":\"BOTH\"}";

    var created = provider.client().put(path, spec);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonNode c = created.json();
    assertThat(c.get("platformId").asText()).isEqualTo(provider.id());
    assertThat(c.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(c.get("vacpId").asText()).isEqualTo("central");
    assertThat(c.get("serviceClass").asInt()).isEqualTo(1);
    assertThat(texts(c.get("publishedTo"))).contains(north, south);
    assertThat(vacp.directory("central")).contains(id);
    assertThat(vacp.directory(north)).contains(id);
    assertThat(vacp.directory(south)).contains(id);

    var replay = provider.client().put(path, spec);
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json().get("revision").asLong()).isEqualTo(1);

    var changed = provider.client().put(path, spec.replace("Forecast", "Forecast Pro"));
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.json().get("revision").asLong()).isEqualTo(2);
    JsonNode seenInNorth =
        api.get("/v1/vacp/capabilities?vacpId=" + north).json().get("capabilities");
    assertThat(seenInNorth.findValues("name").stream().map(JsonNode::asText))
        .contains("Forecast Pro")
        .doesNotContain("Forecast");

    String late = vacp.regional();
    await().atMost(Duration.ofSeconds(10)).until(() -> vacp.directory(late).contains(id));

    var removed = provider.client().delete(path);
    assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
    assertThat(removed.json().get("status").asText()).isEqualTo("DEREGISTERED");
    assertThat(removed.json().get("publishedTo")).isEmpty();
    for (String vacpId : List.of("central", north, south, late)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !vacp.directory(vacpId).contains(id));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> provider.stub().received("capability-removed").size() == 1);
    var notice = provider.stub().received("capability-removed").get(0);
    assertThat(notice.contentType()).startsWith("application/json");
    assertThat(notice.fields())
        .containsEntry("capabilityId", id)
        .containsEntry("service", "weather");
    assertThat(provider.client().delete(path).status()).as("again: same answer").isEqualTo(200);
    assertThat(api.get(path).json().get("status").asText()).isEqualTo("DEREGISTERED");

    var back = provider.client().put(path, spec);
    assertThat(back.status()).as("registered again").isEqualTo(201);
    assertThat(vacp.directory(north)).contains(id);
  }

  @Test
  void aClass1PlatformAttachedToARegionalVacpPublishesThroughTheCentralOne() {
    String north = vacp.regional();
    String south = vacp.regional();
    Platform provider = vacp.platform(1, north);
    String id = vacp.capability(provider, "PUSH");
    JsonNode c = api.get("/v1/vacp/capabilities/" + id).json();
    assertThat(c.get("vacpId").asText()).isEqualTo("central");
    assertThat(texts(c.get("publishedTo"))).contains(north, south);
    assertThat(vacp.directory(south)).contains(id);
  }

  @Test
  void everyViewOfAClass1CapabilityNamesTheSameRegionalVacps() {
    String north = vacp.regional();
    String south = vacp.regional();
    String id = vacp.capability(vacp.platform(1, "central"), "PULL");
    String local = vacp.capability(vacp.platform(2, north), "PULL");

    List<String> publishedTo =
        texts(api.get("/v1/vacp/capabilities/" + id).json().get("publishedTo"));
    assertThat(publishedTo).contains(north, south);
    for (String vacpId : List.of("central", north, south)) {
      assertThat(texts(listed(vacpId, id).get("publishedTo")))
          .as("publishedTo in the directory seen from " + vacpId)
          .containsExactlyInAnyOrderElementsOf(publishedTo);
    }
    assertThat(listed(north, local).get("publishedTo"))
        .as("a regional capability is published nowhere")
        .isEmpty();

    String late = vacp.regional();
    await().atMost(Duration.ofSeconds(10)).until(() -> vacp.directory(late).contains(id));
    assertThat(texts(listed("central", id).get("publishedTo"))).contains(north, south, late);
    assertThat(texts(api.get("/v1/vacp/capabilities/" + id).json().get("publishedTo")))
        .as("the capability's own view names a regional VACP attached after its revision")
        .contains(north, south, late);
  }

  /** The entry of a capability in the directory seen from a VACP. */
  static JsonNode listed(String vacpId, String capabilityId) {
    var r = api.get("/v1/vacp/capabilities?vacpId=" + vacpId);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    for (JsonNode c : r.json().get("capabilities")) {
      if (c.get("capabilityId").asText().equals(capabilityId)) return c;
    }
    throw new AssertionError(capabilityId + " is not listed at " + vacpId + ": " + r);
  }

  @Test
  void class2And3CapabilitiesLiveAtTheirRegionalVacp() {
    String home = vacp.regional();
    String elsewhere = vacp.regional();
    for (int serviceClass : List.of(2, 3)) {
      Platform provider = vacp.platform(serviceClass, home);
      String id = vacp.capability(provider, "PULL");
      JsonNode c = api.get("/v1/vacp/capabilities/" + id).json();
      assertThat(c.get("vacpId").asText()).isEqualTo(home);
      assertThat(c.get("publishedTo")).isEmpty();
      assertThat(c.get("region").asText()).isEqualTo(home.replace("vacp", "reg"));
      assertThat(vacp.directory(home)).contains(id);
      assertThat(vacp.directory(elsewhere)).doesNotContain(id);
      assertThat(vacp.directory("central")).doesNotContain(id);
    }
    assertThat(api.get("/v1/vacp/capabilities?vacpId=nowhere").status()).isEqualTo(404);
    assertThat(api.get("/v1/vacp/capabilities?vacpId=bad%20id").status()).isEqualTo(400);
    assertThat(api.get("/v1/vacp/capabilities").json().get("vacpId").asText()).isEqualTo("central");
    assertThat(api.get("/v1/vacp/capabilities?vacpId=").json().get("vacpId").asText())
        .isEqualTo("central");
  }

  // ---------------------------------------------------------------- authorisations

  @Test
  void authorisationsAreProvisionedByTheOperator() {
    Platform provider = vacp.platform(1, "central");
    Platform consumer = vacp.platform(1, "central");
    String capability = vacp.capability(provider, "PULL");
    String path = "/v1/vacp/authorizations/" + consumer.id() + "/" + capability;
    String terms =
        "{\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\",\"priority\":7,"
            + "\"ratePerSecond\":50,\"burst\":100,\"feePerUse\":15}";

    var created = api.put(path, terms);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonNode a = created.json();
    assertThat(a.get("providerPlatformId").asText()).isEqualTo(provider.id());
    assertThat(a.get("priority").asInt()).isEqualTo(7);
    assertThat(a.get("ratePerSecond").asInt()).isEqualTo(50);
    assertThat(a.get("burst").asInt()).isEqualTo(100);
    assertThat(a.get("feePerUse").asLong()).isEqualTo(15);
    assertThat(a.get("validUntil").asText()).isEqualTo("2099-12-31");
    assertThat(api.put(path, terms).status()).isEqualTo(200);
    var changed = api.put(path, terms.replace("\"priority\":7", "\"priority\":2"));
    assertThat(changed.status()).isEqualTo(200);
    assertThat(api.get(path).json().get("priority").asInt()).isEqualTo(2);

    var defaults =
        api.put("/v1/vacp/authorizations/" + provider.id() + "/" + capability, "{}").json();
    assertThat(defaults.get("priority").asInt()).isZero();
    assertThat(defaults.get("burst").asInt()).isEqualTo(defaults.get("ratePerSecond").asInt());
    assertThat(defaults.get("validFrom").isNull()).isTrue();

    assertThat(api.put(path, "{\"priority\":10}").status()).isEqualTo(400);
    assertThat(api.put(path, "{\"priority\":-1}").status()).isEqualTo(400);
    assertThat(api.put(path, "{\"ratePerSecond\":0}").status()).isEqualTo(400);
    assertThat(api.put(path, "{\"feePerUse\":-5}").status()).isEqualTo(400);
    assertThat(api.put(path, "{\"validFrom\":\"yesterday\"}").status()).isEqualTo(400);
    var offset = api.put(path, "{\"validFrom\":\"2025-01-01T00:00:00+08:00\"}");
    assertThat(offset.json().get("validFrom").asText())
        .as("a time with an offset is kept as its UTC instant")
        .isEqualTo("2024-12-31T16:00:00Z");
    assertThat(
            api.put(path, "{\"validFrom\":\"2030-01-02\",\"validUntil\":\"2030-01-01\"}").status())
        .isEqualTo(400);
    assertThat(
            api.put("/v1/vacp/authorizations/nobody-" + consumer.id() + "/" + capability, "{}")
                .code())
        .isEqualTo("UNKNOWN_PLATFORM");
    assertThat(
            api.put("/v1/vacp/authorizations/" + consumer.id() + "/nothing-" + capability, "{}")
                .code())
        .isEqualTo("UNKNOWN_CAPABILITY");
    assertThat(api.get("/v1/vacp/authorizations/" + consumer.id() + "/x").code())
        .isEqualTo("NOT_AUTHORIZED");
  }

  /**
   * A directory larger than one page (the node reads it from its VACP a page of 100 at a time, each
   * page one message between nodes) is answered whole, in capability id order, each entry once.
   */
  @Test
  void aDirectoryOfMoreThanOnePageIsListedWhole() {
    String region = vacp.regional();
    Platform provider = vacp.platform(2, region);
    List<String> published = new ArrayList<>();
    for (int i = 0; i < 205; i++) {
      published.add(
          vacp.capability(provider, "PULL", String.format("page-%s-%03d", region, 204 - i), "svc"));
    }
    List<String> listed = vacp.directory(region);
    assertThat(listed).doesNotHaveDuplicates().isSorted();
    assertThat(listed.stream().filter(id -> id.startsWith("page-")).toList())
        .as("besides the class-1 capabilities other tests publish to every region")
        .isEqualTo(published.stream().sorted().toList());
  }
}
