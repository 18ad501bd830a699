package io.scp.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Provisions VPN groups, subscribers and accounts through the API for call tests. */
public final class VpnFixture {
  private static final AtomicLong NUMBERS = new AtomicLong(System.nanoTime() % 1_000_000_000L);
  private final ApiClient api;

  public VpnFixture(ApiClient api) {
    this.api = api;
  }

  public static String newMsisdn() {
    return "8613" + String.format("%09d", NUMBERS.incrementAndGet() % 1_000_000_000L);
  }

  public static String newId(String prefix) {
    return prefix + "-" + UUID.randomUUID();
  }

  /** A group with the given tariff JSON fields (without braces). */
  public String group(String tariff) {
    String id = newId("grp");
    var r = api.put("/v1/vpn-groups/" + id, "{" + tariff + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return id;
  }

  /** A prepaid subscriber with its own account of {@code balance}; returns the MSISDN. */
  public String prepaid(long balance, String accountExtra) {
    String msisdn = newMsisdn();
    String account = "acc-" + msisdn;
    var a = api.put("/v1/accounts/" + account, "{\"balance\":" + balance + accountExtra + "}");
    assertThat(a.status()).as(a.toString()).isEqualTo(201);
    var s =
        api.put(
            "/v1/subscribers/" + msisdn,
            "{\"imsi\":\"4600"
                + msisdn.substring(4)
                + "\",\"prepaidAccountId\":\""
                + account
                + "\"}");
    assertThat(s.status()).as(s.toString()).isEqualTo(201);
    return msisdn;
  }

  public String postpaid() {
    String msisdn = newMsisdn();
    assertThat(api.put("/v1/subscribers/" + msisdn, "{}").status()).isEqualTo(201);
    return msisdn;
  }

  public void join(String group, String shortNumber, String msisdn) {
    var r =
        api.put(
            "/v1/vpn-groups/" + group + "/members/" + shortNumber,
            "{\"msisdn\":\"" + msisdn + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  public JsonNode account(String msisdn) {
    return api.get("/v1/accounts/acc-" + msisdn).json();
  }

  public JsonNode setup(String callId, String caller, String called) {
    var r =
        api.post(
            "/v1/calls",
            "{\"callId\":\""
                + callId
                + "\",\"caller\":\""
                + caller
                + "\",\"called\":\""
                + called
                + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  public JsonNode answer(String callId) {
    var r = api.post("/v1/calls/" + callId + "/answer", "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  public JsonNode quota(String callId, int requestNumber, long used) {
    var r =
        api.post(
            "/v1/calls/" + callId + "/quota",
            "{\"requestNumber\":" + requestNumber + ",\"usedSeconds\":" + used + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  public JsonNode end(String callId, long talk) {
    var r = api.post("/v1/calls/" + callId + "/end", "{\"talkSeconds\":" + talk + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  /** Money is conserved on the account of {@code msisdn} and nothing stays reserved. */
  public void assertSettled(String msisdn) {
    var a = account(msisdn);
    assertThat(a.get("initialBalance").asLong() + a.get("toppedUp").asLong())
        .isEqualTo(a.get("balance").asLong() + a.get("deducted").asLong());
    assertThat(a.get("reserved").asLong()).isZero();
    assertThat(a.get("balance").asLong()).isGreaterThanOrEqualTo(0);
  }
}
