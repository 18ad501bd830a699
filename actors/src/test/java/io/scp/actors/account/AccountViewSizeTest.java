package io.scp.actors.account;

import com.typesafe.config.Config;
import io.scp.actors.account.PrepaidAccount.AccountView;
import io.scp.actors.account.PrepaidAccount.ReservationState;
import io.scp.actors.account.PrepaidAccount.ReservationView;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.testing.MessageFrames;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every answer about an account lists its open reservations (api.md), and an answer crosses nodes
 * as one Artery message: an account holding the most open reservations allowed, of the longest
 * random ids (which compress least) and the largest amounts, must fit the frame with room for the
 * envelope.
 */
class AccountViewSizeTest {
  static final String ID_CHARACTERS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";

  final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anAccountAtItsOpenReservationLimitFitsOneMessageBetweenNodes() {
    Config config = testKit.system().settings().config();
    int maxOpen = config.getInt("scp.prepaid.max-open-reservations");

    Random random = new Random(11);
    List<ReservationView> open = new ArrayList<>(maxOpen);
    for (int i = 0; i < maxOpen; i++) {
      StringBuilder id = new StringBuilder(64);
      for (int c = 0; c < 64; c++) {
        id.append(ID_CHARACTERS.charAt(random.nextInt(ID_CHARACTERS.length())));
      }
      long amount = PrepaidAccount.MAX_BALANCE / maxOpen - random.nextInt(1_000_000);
      Instant expiresAt = Instant.parse("2026-11-25T10:00:00.123456789Z").plusNanos(i * 7_919L);
      open.add(
          new ReservationView(
              id.toString(),
              amount,
              amount / 3,
              amount - amount / 3,
              expiresAt,
              ReservationState.OPEN));
    }
    long max = PrepaidAccount.MAX_BALANCE;
    var view =
        new AccountView(
            "a".repeat(64),
            "CNY",
            max,
            max - 1,
            1,
            max,
            max,
            max,
            LocalDate.of(2099, 12, 31),
            max,
            false,
            false,
            open);

    MessageFrames.assertFitsOneFrame(testKit.system(), view);
  }
}
