package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prepaid accounts through the real HTTP API: every rule and refusal code of the contract. */
class AccountApiTest {
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String newAccount(long balance, String extra) {
    String id = "acc-" + UUID.randomUUID();
    var r =
        api.put(
            "/v1/accounts/" + id,
            "{\"balance\":" + balance + ",\"currency\":\"CNY\"" + extra + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return id;
  }

  @Test
  void openIsIdempotentAndConflictsOnOtherTerms() {
    String id = "acc-" + UUID.randomUUID();
    String terms =
        "{\"balance\":5000,\"validUntil\":\"2099-01-31\",\"minThreshold\":100,\"currency\":\"EUR\"}";
    var first = api.put("/v1/accounts/" + id, terms);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json().get("balance").asLong()).isEqualTo(5000);
    assertThat(first.json().get("available").asLong()).isEqualTo(5000);
    assertThat(first.json().get("initialBalance").asLong()).isEqualTo(5000);
    assertThat(first.json().get("validUntil").asText()).isEqualTo("2099-01-31");
    assertThat(first.json().get("currency").asText()).isEqualTo("EUR");
    var again = api.put("/v1/accounts/" + id, terms);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(first.json());
    var other = api.put("/v1/accounts/" + id, terms.replace("5000", "6000"));
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
  }
}
