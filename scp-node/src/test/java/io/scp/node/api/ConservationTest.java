package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A seeded random workload of top-ups, reservations, deductions, refunds and replays against a few
 * accounts. Every answer is checked against an exact model, money is conserved after every step,
 * and everything holds across a restart of the node on the same database.
 */
class ConservationTest {
  static final long SEED = 7_2026_11_22L;
  static final int ACCOUNTS = 12;

  /** The expected state of one reservation and of one account. */
  static final class ModelReservation {
    final long amount;
    long deducted;
    boolean open = true;
    long released;
    final Map<String, Long> deductions = new LinkedHashMap<>();

    ModelReservation(long amount) {
      this.amount = amount;
    }
  }

  static final class ModelAccount {
    final String id;
    final long initial;
    long balance;
    long reserved;
    long deducted;
    long toppedUp;
    final Map<String, Long> topups = new LinkedHashMap<>();
    final Map<String, ModelReservation> reservations = new LinkedHashMap<>();

    ModelAccount(String id, long initial) {
      this.id = id;
      this.initial = initial;
      this.balance = initial;
    }
  }

  final Random random = new Random(SEED);
  final List<ModelAccount> accounts = new ArrayList<>();
  int sequence;

  @Test
  void moneyIsConservedUnderRandomOperationsAndAcrossARestart() {
    String run = UUID.randomUUID().toString().substring(0, 8);
    try (TestNode node = TestNode.start()) {
      ApiClient api = node.client();
      for (int i = 0; i < ACCOUNTS; i++) {
        var account = new ModelAccount("cons-" + run + "-" + i, 1_000 + random.nextInt(50_000));
        assertThat(
                api.put("/v1/accounts/" + account.id, "{\"balance\":" + account.initial + "}")
                    .status())
            .isEqualTo(201);
        accounts.add(account);
      }
      for (int i = 0; i < 2_500; i++) step(api);
      assertMatchesModel(api);
    }
    try (TestNode restarted = TestNode.start()) {
      ApiClient api = restarted.client();
      assertMatchesModel(api);
      for (int i = 0; i < 500; i++) step(api);
      assertMatchesModel(api);
    }
  }

  private void step(ApiClient api) {
    ModelAccount a = accounts.get(random.nextInt(accounts.size()));
    int op = random.nextInt(100);
    if (op < 12) topUp(api, a);
    else if (op < 45) reserve(api, a);
    else if (op < 75) deduct(api, a);
    else if (op < 92) refund(api, a);
    else replayTopUp(api, a);
    assertConserved(api.get("/v1/accounts/" + a.id).json());
  }

  private void topUp(ApiClient api, ModelAccount a) {
    String id = "t" + sequence++;
    long amount = 1 + random.nextInt(5_000);
    var r =
        api.post(
            "/v1/accounts/" + a.id + "/topups",
            "{\"topupId\":\"" + id + "\",\"amount\":" + amount + "}");
    assertThat(r.status()).isEqualTo(200);
    a.topups.put(id, amount);
    a.balance += amount;
    a.toppedUp += amount;
  }

  private void replayTopUp(ApiClient api, ModelAccount a) {
    if (a.topups.isEmpty()) return;
    var ids = new ArrayList<>(a.topups.keySet());
    String id = ids.get(random.nextInt(ids.size()));
    var r =
        api.post(
            "/v1/accounts/" + a.id + "/topups",
            "{\"topupId\":\"" + id + "\",\"amount\":" + a.topups.get(id) + "}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("toppedUp").asLong()).isEqualTo(a.toppedUp);
  }

  private void reserve(ApiClient api, ModelAccount a) {
    boolean replay = !a.reservations.isEmpty() && random.nextInt(5) == 0;
    String id;
    long amount;
    if (replay) {
      var ids = new ArrayList<>(a.reservations.keySet());
      id = ids.get(random.nextInt(ids.size()));
      amount = a.reservations.get(id).amount;
    } else {
      id = "r" + sequence++;
      amount = 1 + random.nextInt(8_000);
    }
    var r =
        api.post(
            "/v1/accounts/" + a.id + "/reservations",
            "{\"reservationId\":\"" + id + "\",\"amount\":" + amount + "}");
    if (replay) {
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      return;
    }
    if (amount > a.balance - a.reserved) {
      assertThat(r.status()).as(r.toString()).isEqualTo(409);
      assertThat(r.code()).isEqualTo("INSUFFICIENT_FUNDS");
      return;
    }
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    a.reservations.put(id, new ModelReservation(amount));
    a.reserved += amount;
  }

  private void deduct(ApiClient api, ModelAccount a) {
    if (a.reservations.isEmpty()) return;
    var ids = new ArrayList<>(a.reservations.keySet());
    String id = ids.get(random.nextInt(ids.size()));
    ModelReservation res = a.reservations.get(id);
    boolean replay = !res.deductions.isEmpty() && random.nextInt(4) == 0;
    String deductionId;
    long amount;
    if (replay) {
      deductionId = res.deductions.keySet().iterator().next();
      amount = res.deductions.get(deductionId);
    } else {
      deductionId = "d" + sequence++;
      long remaining = res.amount - res.deducted;
      amount =
          random.nextInt(10) == 0 ? remaining + 1 : (long) (random.nextDouble() * (remaining + 1));
    }
    var r =
        api.post(
            "/v1/accounts/" + a.id + "/reservations/" + id + "/deduct",
            "{\"deductionId\":\"" + deductionId + "\",\"amount\":" + amount + "}");
    if (replay) {
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().get("deducted").asLong()).isEqualTo(res.deducted);
      return;
    }
    if (!res.open) {
      assertThat(r.code()).as(r.toString()).isEqualTo("RESERVATION_CLOSED");
      return;
    }
    if (amount > res.amount - res.deducted) {
      assertThat(r.code()).as(r.toString()).isEqualTo("EXCEEDS_RESERVATION");
      return;
    }
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    res.deductions.put(deductionId, amount);
    res.deducted += amount;
    a.balance -= amount;
    a.reserved -= amount;
    a.deducted += amount;
  }

  private void refund(ApiClient api, ModelAccount a) {
    if (a.reservations.isEmpty()) return;
    var ids = new ArrayList<>(a.reservations.keySet());
    String id = ids.get(random.nextInt(ids.size()));
    ModelReservation res = a.reservations.get(id);
    var r = api.post("/v1/accounts/" + a.id + "/reservations/" + id + "/refund", "{}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    if (res.open) {
      res.released = res.amount - res.deducted;
      res.open = false;
      a.reserved -= res.released;
    }
    assertThat(r.json().get("refunded").asLong()).isEqualTo(res.released);
  }

  private void assertMatchesModel(ApiClient api) {
    for (ModelAccount a : accounts) {
      JsonNode actual = api.get("/v1/accounts/" + a.id).json();
      assertThat(actual.get("balance").asLong()).as(a.id).isEqualTo(a.balance);
      assertThat(actual.get("reserved").asLong()).as(a.id).isEqualTo(a.reserved);
      assertThat(actual.get("deducted").asLong()).as(a.id).isEqualTo(a.deducted);
      assertThat(actual.get("toppedUp").asLong()).as(a.id).isEqualTo(a.toppedUp);
      assertThat(actual.get("initialBalance").asLong()).as(a.id).isEqualTo(a.initial);
      assertThat(actual.get("reservations").size())
          .isEqualTo((int) a.reservations.values().stream().filter(r -> r.open).count());
      assertConserved(actual);
    }
  }

  static void assertConserved(JsonNode a) {
    assertThat(a.get("initialBalance").asLong() + a.get("toppedUp").asLong())
        .isEqualTo(a.get("balance").asLong() + a.get("deducted").asLong());
    assertThat(a.get("reserved").asLong()).isBetween(0L, a.get("balance").asLong());
  }
}
