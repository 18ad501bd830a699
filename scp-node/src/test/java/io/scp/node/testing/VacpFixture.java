package io.scp.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Provisions the VACP through the API for end-to-end tests: regional VACPs, platforms backed by
 * {@link StubPlatform}s, capabilities, authorisations and subscribers. Every id is new.
 */
public final class VacpFixture implements AutoCloseable {
  private static final AtomicLong NUMBERS = new AtomicLong(System.nanoTime() % 1_000_000_000L);
  private final ApiClient operator;
  private final List<StubPlatform> stubs = new ArrayList<>();

  /** A platform: its id, its API key, its stub server and a client that uses the key. */
  public record Platform(String id, String apiKey, StubPlatform stub, ApiClient client) {}

  public VacpFixture(ApiClient operator) {
    this.operator = operator;
  }

  public static String newId(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
  }

  public static String newMsisdn() {
    return "8615" + String.format("%09d", NUMBERS.incrementAndGet() % 1_000_000_000L);
  }

  /** A regional VACP under the central one. */
  public String regional() {
    String id = newId("vacp");
    var r =
        operator.put(
            "/v1/vacp/nodes/" + id, "{\"level\":\"REGIONAL\",\"region\":\"" + regionOf(id) + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return id;
  }

  /** The region of a regional VACP made by {@link #regional()}. */
  public static String regionOf(String vacpId) {
    return vacpId.replace("vacp", "reg");
  }

  public Platform platform(int serviceClass, String vacpId) {
    return platform(serviceClass, vacpId, "STANDARD");
  }

  public Platform platform(int serviceClass, String vacpId, String protocol) {
    StubPlatform stub = StubPlatform.start();
    stubs.add(stub);
    String id = newId("pf");
    var r =
        operator.put(
            "/v1/vacp/platforms/" + id,
            "{\"name\":\"Platform "
                + id
                + "\",\"serviceClass\":"
                + serviceClass
                + ",\"vacpId\":\""
                + vacpId
                + "\",\"callbackUrl\":\""
                + stub.url()
                + "\",\"protocol\":\""
                + protocol
                + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String key = r.json().get("apiKey").asText();
    return new Platform(id, key, stub, operator.withToken(key));
  }

  public String capability(Platform provider, String style) {
    String id = newId("cap");
    return capability(provider, style, id, "svc-" + id);
  }

  /** A capability with the given id offering {@code service}. */
  public String capability(Platform provider, String style, String id, String service) {
    var r =
        provider
            .client()
            .put(
                "/v1/vacp/capabilities/" + id,
                "{\"service\":\""
                    + service
                    + "\",\"name\":\"Capability "
                    + id
                    + "\",\"description\":\"what it does\",\"style\":\""
                    + style
                    + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return id;
  }

  public JsonNode authorize(Platform consumer, String capabilityId, String terms) {
    var r =
        operator.put(
            "/v1/vacp/authorizations/" + consumer.id() + "/" + capabilityId, "{" + terms + "}");
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    return r.json();
  }

  /** An active subscriber with the given services; prepaid when {@code balance} is not null. */
  public String subscriber(Long balance, String... services) {
    return subscriber("north", balance, services);
  }

  /** An active subscriber of {@code homeRegion} with the given services. */
  public String subscriber(String homeRegion, Long balance, String... services) {
    String msisdn = newMsisdn();
    String account = "null";
    if (balance != null) {
      String accountId = "acc-" + msisdn;
      var a = operator.put("/v1/accounts/" + accountId, "{\"balance\":" + balance + "}");
      assertThat(a.status()).as(a.toString()).isEqualTo(201);
      account = "\"" + accountId + "\"";
    }
    var s =
        operator.put(
            "/v1/subscribers/" + msisdn,
            "{\"homeRegion\":\"" + homeRegion + "\",\"prepaidAccountId\":" + account + "}");
    assertThat(s.status()).as(s.toString()).isEqualTo(201);
    for (String service : services) subscribe(msisdn, service);
    return msisdn;
  }

  public void subscribe(String msisdn, String service) {
    var r = operator.put("/v1/subscribers/" + msisdn + "/services/" + service, "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  public JsonNode account(String msisdn) {
    return operator.get("/v1/accounts/acc-" + msisdn).json();
  }

  /** The capability ids in the directory seen from a VACP. */
  public List<String> directory(String vacpId) {
    var r = operator.get("/v1/vacp/capabilities?vacpId=" + vacpId);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    r.json().get("capabilities").forEach(c -> ids.add(c.get("capabilityId").asText()));
    return ids;
  }

  public static String interworkingPath(String msisdn, Platform consumer, String capabilityId) {
    return "/v1/vacp/interworkings/" + msisdn + "/" + consumer.id() + "/" + capabilityId;
  }

  @Override
  public void close() {
    stubs.forEach(StubPlatform::close);
  }
}
