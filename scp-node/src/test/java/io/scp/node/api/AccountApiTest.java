package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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

  static ApiClient.Response reserve(String account, String reservationId, long amount) {
    return api.post(
        "/v1/accounts/" + account + "/reservations",
        "{\"reservationId\":\"" + reservationId + "\",\"amount\":" + amount + "}");
  }

  static ApiClient.Response deduct(
      String account, String reservationId, String deductionId, long amount) {
    return api.post(
        "/v1/accounts/" + account + "/reservations/" + reservationId + "/deduct",
        "{\"deductionId\":\"" + deductionId + "\",\"amount\":" + amount + "}");
  }

  static void assertConserved(String account) {
    var a = api.get("/v1/accounts/" + account).json();
    assertThat(a.get("initialBalance").asLong() + a.get("toppedUp").asLong())
        .isEqualTo(a.get("balance").asLong() + a.get("deducted").asLong());
    assertThat(a.get("reserved").asLong()).isBetween(0L, a.get("balance").asLong());
    assertThat(a.get("available").asLong())
        .isEqualTo(a.get("balance").asLong() - a.get("reserved").asLong());
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

    // The PUT is the account's opening: a retry of it stays 200 after the terms were patched,
    // and answers the account as it is now.
    assertThat(api.patch("/v1/accounts/" + id, "{\"minThreshold\":50}").status()).isEqualTo(200);
    var retried = api.put("/v1/accounts/" + id, terms);
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.json().get("minThreshold").asLong()).isEqualTo(50);
  }

  @Test
  void balanceAndCurrencyAreNotPatchable() {
    String id = "acc-" + UUID.randomUUID();
    assertThat(api.put("/v1/accounts/" + id, "{\"balance\":700}").status()).isEqualTo(201);
    for (String body :
        List.of(
            "{\"balance\":999999}", "{\"currency\":\"USD\"}", "{\"balance\":0,\"lost\":true}")) {
      var r = api.patch("/v1/accounts/" + id, body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    var account = api.get("/v1/accounts/" + id).json();
    assertThat(account.get("balance").asLong()).isEqualTo(700);
    assertThat(account.get("currency").asText()).isEqualTo("CNY");
    assertThat(account.get("lost").asBoolean()).as("a refused PATCH changes nothing").isFalse();
  }

  @Test
  void reserveDeductRefundFlowWithReplays() {
    String acc = newAccount(10_000, "");
    var r = reserve(acc, "r1", 3000);
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.json().get("remaining").asLong()).isEqualTo(3000);
    assertThat(r.json().get("expiresAt").asText()).isNotBlank();
    assertThat(reserve(acc, "r1", 3000).json().get("reservationId").asText()).isEqualTo("r1");
    assertThat(reserve(acc, "r1", 3001).code()).isEqualTo("IDEMPOTENCY_CONFLICT");

    var account = api.get("/v1/accounts/" + acc).json();
    assertThat(account.get("reserved").asLong()).isEqualTo(3000);
    assertThat(account.get("available").asLong()).isEqualTo(7000);
    assertThat(account.get("reservations")).hasSize(1);

    assertThat(deduct(acc, "r1", "d1", 1200).json().get("remaining").asLong()).isEqualTo(1800);
    assertThat(deduct(acc, "r1", "d1", 1200).json().get("deducted").asLong()).isEqualTo(1200);
    var over = deduct(acc, "r1", "d2", 1801);
    assertThat(over.status()).isEqualTo(409);
    assertThat(over.code()).isEqualTo("EXCEEDS_RESERVATION");

    var refund = api.post("/v1/accounts/" + acc + "/reservations/r1/refund", "{}");
    assertThat(refund.status()).isEqualTo(200);
    assertThat(refund.json().get("reservationId").asText()).isEqualTo("r1");
    assertThat(refund.json().get("refunded").asLong()).isEqualTo(1800);
    assertThat(api.post("/v1/accounts/" + acc + "/reservations/r1/refund", "{}").json())
        .isEqualTo(refund.json());
    var closed = deduct(acc, "r1", "d3", 1);
    assertThat(closed.status()).isEqualTo(409);
    assertThat(closed.code()).isEqualTo("RESERVATION_CLOSED");

    account = api.get("/v1/accounts/" + acc).json();
    assertThat(account.get("balance").asLong()).isEqualTo(8800);
    assertThat(account.get("deducted").asLong()).isEqualTo(1200);
    assertThat(account.get("reserved").asLong()).isZero();
    assertThat(account.get("reservations")).isEmpty();
    assertConserved(acc);
  }

  @Test
  void everyDeductionThroughTheApiIsOnACdrOnce() {
    String acc = newAccount(10_000, "");
    assertThat(reserve(acc, "r1", 3000).status()).isEqualTo(201);
    assertThat(deduct(acc, "r1", "d1", 1200).status()).isEqualTo(200);
    assertThat(deduct(acc, "r1", "d1", 1200).status()).as("a replay").isEqualTo(200);
    assertThat(deduct(acc, "r1", "d2", 300).status()).isEqualTo(200);
    assertThat(api.post("/v1/accounts/" + acc + "/reservations/r1/refund", "{}").status())
        .isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cdrsOf(acc)).hasSize(2));
    List<JsonNode> cdrs = cdrsOf(acc);
    assertThat(cdrs.stream().mapToLong(c -> c.get("charge").asLong()).sum())
        .as("the CDRs' charges are what was deducted")
        .isEqualTo(api.get("/v1/accounts/" + acc).json().get("deducted").asLong())
        .isEqualTo(1500);
    assertThat(cdrs).allSatisfy(c -> assertThat(c.get("chargedParty").asText()).isEqualTo(acc));
    assertThat(cdrs).allSatisfy(c -> assertThat(c.get("type").asText()).isEqualTo("CALL"));
    assertConserved(acc);
  }

  /** The CDRs charged to an account. */
  static List<JsonNode> cdrsOf(String account) {
    var r = api.get("/v1/cdrs?type=CALL&limit=1000");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<JsonNode> mine = new ArrayList<>();
    r.json()
        .get("cdrs")
        .forEach(
            c -> {
              if (account.equals(c.path("accountId").asText())) mine.add(c);
            });
    return mine;
  }

  @Test
  void topupsAreIdempotentOnTheirId() {
    String acc = newAccount(100, "");
    String body = "{\"topupId\":\"t-1\",\"amount\":250}";
    assertThat(api.post("/v1/accounts/" + acc + "/topups", body).json().get("balance").asLong())
        .isEqualTo(350);
    var replay = api.post("/v1/accounts/" + acc + "/topups", body);
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.json().get("balance").asLong()).isEqualTo(350);
    assertThat(replay.json().get("toppedUp").asLong()).isEqualTo(250);
    var conflict =
        api.post("/v1/accounts/" + acc + "/topups", "{\"topupId\":\"t-1\",\"amount\":1}");
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
    assertConserved(acc);
  }

  @Test
  void aTopupStopsAtTheMostAnAccountMayHold() {
    long most = 1_000_000_000_000_000L;
    String acc = newAccount(most - 10, "");
    var over = api.post("/v1/accounts/" + acc + "/topups", "{\"topupId\":\"t-1\",\"amount\":11}");
    assertThat(over.status()).as(over.toString()).isEqualTo(409);
    assertThat(over.code()).isEqualTo("BALANCE_LIMIT");
    var upToIt = api.post("/v1/accounts/" + acc + "/topups", "{\"topupId\":\"t-2\",\"amount\":10}");
    assertThat(upToIt.status()).as(upToIt.toString()).isEqualTo(200);
    assertThat(upToIt.json().get("balance").asLong()).isEqualTo(most);
    var beyond = api.post("/v1/accounts/" + acc + "/topups", "{\"topupId\":\"t-3\",\"amount\":1}");
    assertThat(beyond.code()).isEqualTo("BALANCE_LIMIT");
    var account = api.get("/v1/accounts/" + acc).json();
    assertThat(account.get("balance").asLong()).isEqualTo(most);
    assertThat(account.get("toppedUp").asLong()).as("refused top-ups change nothing").isEqualTo(10);
    assertConserved(acc);
  }

  @Test
  void reservationIdsOfTheScpsOwnServicesAreNotTheClients() {
    String acc = newAccount(1000, "");
    for (String id : List.of("call:c-1:1", "cpm-message:m-1", "vacp:iw-1:0")) {
      var reserved = reserve(acc, id, 10);
      assertThat(reserved.status()).as(id).isEqualTo(400);
      assertThat(reserved.code()).isEqualTo("INVALID_ARGUMENT");
      assertThat(deduct(acc, id, "d-1", 1).status()).as(id).isEqualTo(400);
      assertThat(api.post("/v1/accounts/" + acc + "/reservations/" + id + "/refund", "{}").status())
          .as(id)
          .isEqualTo(400);
    }
    assertThat(reserve(acc, "calls:1", 10).status()).as("only the prefixes").isEqualTo(201);
    assertThat(api.get("/v1/accounts/" + acc).json().get("reserved").asLong()).isEqualTo(10);
  }

  @Test
  void datesAreExactlyYearMonthDay() {
    for (String date : List.of("+10000-01-01", "-0001-01-01", "+2030-01-01", "2030-1-1")) {
      var opened =
          api.put(
              "/v1/accounts/acc-" + UUID.randomUUID(),
              "{\"balance\":1,\"validUntil\":\"" + date + "\"}");
      assertThat(opened.status()).as(date).isEqualTo(400);
      assertThat(opened.code()).isEqualTo("INVALID_ARGUMENT");
    }
    String acc = newAccount(1, "");
    assertThat(api.patch("/v1/accounts/" + acc, "{\"validUntil\":\"+10000-01-01\"}").status())
        .isEqualTo(400);
    assertThat(api.patch("/v1/accounts/" + acc, "{\"validUntil\":\"9999-12-30\"}").status())
        .isEqualTo(200);
  }

  @Test
  void authenticationAndReservationRefusals() {
    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    String expired = newAccount(1000, ",\"validUntil\":\"" + yesterday + "\"");
    assertRefused(expired, "ACCOUNT_EXPIRED");

    String low = newAccount(50, ",\"minThreshold\":100");
    assertRefused(low, "BELOW_THRESHOLD");

    String lost = newAccount(1000, "");
    assertThat(api.patch("/v1/accounts/" + lost, "{\"lost\":true}").json().get("lost").asBoolean())
        .isTrue();
    assertRefused(lost, "ACCOUNT_LOST");

    String blocked = newAccount(1000, "");
    assertThat(api.patch("/v1/accounts/" + blocked, "{\"blocked\":true}").status()).isEqualTo(200);
    assertRefused(blocked, "ACCOUNT_BLOCKED");
    var unblocked =
        api.patch(
            "/v1/accounts/" + blocked,
            "{\"blocked\":false,\"minThreshold\":10,\"validUntil\":\"2099-12-31\"}");
    assertThat(unblocked.json().get("minThreshold").asLong()).isEqualTo(10);
    assertThat(unblocked.json().get("validUntil").asText()).isEqualTo("2099-12-31");
    assertThat(
            api.post("/v1/accounts/" + blocked + "/authenticate", "{}")
                .json()
                .get("ok")
                .asBoolean())
        .isTrue();

    String poor = newAccount(100, "");
    var insufficient = reserve(poor, "big", 101);
    assertThat(insufficient.status()).isEqualTo(409);
    assertThat(insufficient.code()).isEqualTo("INSUFFICIENT_FUNDS");
    var auth = api.post("/v1/accounts/" + poor + "/authenticate", "{\"amount\":101}").json();
    assertThat(auth.get("ok").asBoolean()).isFalse();
    assertThat(auth.get("reason").asText()).isEqualTo("INSUFFICIENT_FUNDS");
    var fine = api.post("/v1/accounts/" + poor + "/authenticate", "{\"amount\":0}").json();
    assertThat(fine.get("ok").asBoolean()).isTrue();
    assertThat(fine.get("reason").isNull()).isTrue();
  }

  private static void assertRefused(String account, String code) {
    var auth = api.post("/v1/accounts/" + account + "/authenticate", "{\"amount\":0}");
    assertThat(auth.status()).isEqualTo(200);
    assertThat(auth.json().get("ok").asBoolean()).isFalse();
    assertThat(auth.json().get("reason").asText()).isEqualTo(code);
    var reservation = reserve(account, "r-" + code, 1);
    assertThat(reservation.status()).isEqualTo(409);
    assertThat(reservation.code()).isEqualTo(code);
  }

  @Test
  void unknownAccountAndReservationAre404() {
    var missing = api.get("/v1/accounts/acc-" + UUID.randomUUID());
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.code()).isEqualTo("ACCOUNT_NOT_FOUND");
    String acc = newAccount(100, "");
    var noReservation = deduct(acc, "nope", "d", 1);
    assertThat(noReservation.status()).isEqualTo(404);
    assertThat(noReservation.code()).isEqualTo("RESERVATION_NOT_FOUND");
  }

  @Test
  void anUnsettledReservationIsReleasedAtItsExpiry() {
    String acc = newAccount(1000, "");
    var r =
        api.post(
            "/v1/accounts/" + acc + "/reservations",
            "{\"reservationId\":\"short\",\"amount\":600,\"ttlSeconds\":1}");
    assertThat(r.status()).isEqualTo(201);
    assertThat(api.get("/v1/accounts/" + acc).json().get("available").asLong()).isEqualTo(400);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.get("/v1/accounts/" + acc).json().get("reserved").asLong() == 0);
    var after = api.get("/v1/accounts/" + acc).json();
    assertThat(after.get("balance").asLong()).isEqualTo(1000);
    assertThat(after.get("available").asLong()).isEqualTo(1000);
    var late = deduct(acc, "short", "d", 1);
    assertThat(late.code()).isEqualTo("RESERVATION_CLOSED");
    var refund = api.post("/v1/accounts/" + acc + "/reservations/short/refund", "{}");
    assertThat(refund.json().get("refunded").asLong()).isEqualTo(600);
    assertConserved(acc);
  }

  @Test
  void aVeryLongTtlIsCappedToTheConfiguredMaximum() {
    String acc = newAccount(1000, "");
    Instant before = Instant.now();
    var r =
        api.post(
            "/v1/accounts/" + acc + "/reservations",
            "{\"reservationId\":\"long\",\"amount\":5,\"ttlSeconds\":9223372036854775807}");
    assertThat(r.status()).isEqualTo(201);
    Instant expiresAt = Instant.parse(r.json().get("expiresAt").asText());
    assertThat(expiresAt)
        .isBetween(before.plus(Duration.ofHours(24)), Instant.now().plus(Duration.ofHours(24)));
  }
}
