package io.scp.actors.account;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An account passivates itself only after a quiet idle timeout: a busy account whose reservations
 * are all settled stays up (it would otherwise stop between two calls and recover from the journal
 * again), a quiet one goes.
 */
class AccountIdlePassivationTest {
  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());
  static final Duration IDLE = Duration.ofMillis(400);
  static final PrepaidAccount.Settings SETTINGS =
      new PrepaidAccount.Settings(
          Duration.ofMinutes(10),
          Duration.ofHours(1),
          3,
          10_000,
          IDLE,
          Duration.ofSeconds(20),
          Duration.ofMinutes(1));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aBusyAccountStaysAndAQuietOneAsksForPassivation() {
    TestProbe<String> passivations = testKit.createTestProbe();
    ActorRef<PrepaidAccount.Command> account =
        testKit.spawn(
            PrepaidAccount.create(
                "idle-" + UUID.randomUUID(),
                SETTINGS,
                Clock.systemUTC(),
                () -> passivations.getRef().tell("passivate")));
    TestProbe<StatusReply<PrepaidAccount.Opened>> opened = testKit.createTestProbe();
    account.tell(
        new PrepaidAccount.Open(
            new PrepaidAccount.Terms(1000, LocalDate.now(ZoneOffset.UTC), 100, "CNY"),
            opened.getRef()));
    assertThat(opened.receiveMessage().isSuccess()).isTrue();

    // a command every 100 ms for four idle timeouts: never quiet for a whole timeout
    TestProbe<StatusReply<PrepaidAccount.AccountView>> views = testKit.createTestProbe();
    for (int i = 0; i < 16; i++) {
      account.tell(new PrepaidAccount.Get(views.getRef()));
      assertThat(views.receiveMessage().isSuccess()).isTrue();
      passivations.expectNoMessage(Duration.ofMillis(100));
    }

    // then quiet: asks for passivation once the timeout has run out after the last command
    passivations.expectMessage(IDLE.multipliedBy(3), "passivate");
  }
}
