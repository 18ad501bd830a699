package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * quality.md "no double apply" past the account's window: with {@code scp.prepaid.remembered-ids}
 * at 3, a top-up and a reservation replayed after more newer ones change nothing (docs/api.md).
 */
class AccountReplayWindowApiTest {
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.prepaid.remembered-ids", "3"));
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aTopUpOrReservationReplayedAfterNewerOnesChangesNothing() {
    String path = "/v1/accounts/acc-" + UUID.randomUUID();
    assertThat(api.put(path, "{\"balance\":1000}").status()).isEqualTo(201);
    String topup = "{\"topupId\":\"t0\",\"amount\":50}";
    String reserve = "{\"reservationId\":\"q0\",\"amount\":10}";
    String deduct = "{\"deductionId\":\"qd0\",\"amount\":4}";
    assertThat(api.post(path + "/topups", topup).status()).isEqualTo(200);
    assertThat(api.post(path + "/reservations", reserve).status()).isEqualTo(201);
    assertThat(api.post(path + "/reservations/q0/deduct", deduct).status()).isEqualTo(200);
    assertThat(api.post(path + "/reservations/q0/refund", "{}").status()).isEqualTo(200);
    for (int i = 1; i <= 6; i++) {
      assertThat(api.post(path + "/topups", "{\"topupId\":\"n" + i + "\",\"amount\":1}").status())
          .isEqualTo(200);
      String id = "n" + i;
      api.post(path + "/reservations", "{\"reservationId\":\"" + id + "\",\"amount\":10}");
      assertThat(api.post(path + "/reservations/" + id + "/refund", "{}").status()).isEqualTo(200);
    }
    JsonNode before = api.get(path).json();
    assertThat(before.get("toppedUp").asLong()).isEqualTo(56);
    assertThat(before.get("deducted").asLong()).isEqualTo(4);

    var topupAgain = api.post(path + "/topups", topup);
    assertThat(topupAgain.status()).as(topupAgain.toString()).isEqualTo(200);
    var reserveAgain = api.post(path + "/reservations", reserve);
    assertThat(reserveAgain.status()).as(reserveAgain.toString()).isEqualTo(409);
    assertThat(reserveAgain.code()).isEqualTo("RESERVATION_CLOSED");
    var deductAgain = api.post(path + "/reservations/q0/deduct", deduct);
    assertThat(deductAgain.status()).as(deductAgain.toString()).isEqualTo(409);
    var refundAgain = api.post(path + "/reservations/q0/refund", "{}");
    assertThat(refundAgain.code()).as(refundAgain.toString()).isEqualTo("RESERVATION_CLOSED");

    JsonNode after = api.get(path).json();
    assertThat(after).isEqualTo(before);
  }
}
