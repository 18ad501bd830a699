package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A reservation nobody settles is released at its expiry even when its node stopped in between or
 * its entity was idle: sharding remembers the account and starts it again, nobody has to touch it.
 * The proof is read from the journal, so no API call wakes the entity up.
 */
class ExpiryAfterRestartTest {

  static long expiries(String accountId) throws SQLException {
    try (var c = TestDatabase.connect();
        var s =
            c.prepareStatement(
                "select count(*) from event_journal where persistence_id = ? and event_ser_manifest like ?")) {
      s.setString(1, "PrepaidAccount|" + accountId);
      s.setString(2, "%ReservationExpired");
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void expiryHappensAfterANodeRestartWithoutAnyRequest() throws Exception {
    String acc = "exp-" + UUID.randomUUID();
    try (TestNode node = TestNode.start()) {
      var api = node.client();
      assertThat(api.put("/v1/accounts/" + acc, "{\"balance\":500}").status()).isEqualTo(201);
      assertThat(
              api.post(
                      "/v1/accounts/" + acc + "/reservations",
                      "{\"reservationId\":\"r\",\"amount\":300,\"ttlSeconds\":3}")
                  .status())
          .isEqualTo(201);
    }
    assertThat(expiries(acc)).isZero();
    try (TestNode restarted = TestNode.start()) {
      await().atMost(Duration.ofSeconds(20)).until(() -> expiries(acc) == 1);
      var account = restarted.client().get("/v1/accounts/" + acc).json();
      assertThat(account.get("reserved").asLong()).isZero();
      assertThat(account.get("balance").asLong()).isEqualTo(500);
    }
  }

  @Test
  void anIdleAccountWithAnOpenReservationStillMeetsItsDeadline() throws Exception {
    String acc = "idle-" + UUID.randomUUID();
    try (TestNode node = TestNode.start(Map.of("scp.sharding.idle-timeout", "500ms"))) {
      var api = node.client();
      api.put("/v1/accounts/" + acc, "{\"balance\":500}");
      api.post(
          "/v1/accounts/" + acc + "/reservations",
          "{\"reservationId\":\"r\",\"amount\":200,\"ttlSeconds\":3}");
      await().atMost(Duration.ofSeconds(20)).until(() -> expiries(acc) == 1);
      assertThat(api.get("/v1/accounts/" + acc).json().get("available").asLong()).isEqualTo(500);
    }
  }
}
