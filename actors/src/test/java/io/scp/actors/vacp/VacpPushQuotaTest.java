package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.testing.ManualClock;
import io.scp.actors.vacp.VacpPushQuota.Claim;
import io.scp.actors.vacp.VacpPushQuota.Claimed;
import io.scp.actors.vacp.VacpPushQuota.Command;
import io.scp.actors.vacp.VacpPushQuota.Event;
import io.scp.actors.vacp.VacpPushQuota.State;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hourly delivery count of one setting: the limit, idempotent claims, the next window. */
class VacpPushQuotaTest {
  static final Instant START = Instant.parse("2030-06-01T10:15:00Z");

  ActorTestKit testKit;
  ManualClock clock;
  EventSourcedBehaviorTestKit<Command, Event, State> kit;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    clock = new ManualClock(START);
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), VacpPushQuota.create("8613900000003/pf-a/cap-b", SETTINGS, clock));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  Claimed claim(String claimId, int max) {
    return success(kit.<StatusReply<Claimed>>runCommand(r -> new Claim(claimId, max, r)).reply());
  }

  @Test
  void claimsAreCountedUpToTheLimitOncePerIdAndTheNextWindowStartsAfresh() {
    assertThat(claim("e1", 2).granted()).isTrue();
    clock.set(START.plus(Duration.ofMinutes(30)));
    Claimed second = claim("e2", 2);
    assertThat(second.granted()).isTrue();
    assertThat(second.counted()).isEqualTo(2);
    assertThat(second.windowStart()).isEqualTo(START);

    var replay = kit.<StatusReply<Claimed>>runCommand(r -> new Claim("e1", 2, r));
    assertThat(success(replay.reply()).granted()).isTrue();
    assertThat(replay.hasNoEvents()).isTrue();

    var refused = kit.<StatusReply<Claimed>>runCommand(r -> new Claim("e3", 2, r));
    assertThat(success(refused.reply()).granted()).isFalse();
    assertThat(refused.hasNoEvents()).isTrue();

    kit.restart();
    assertThat(kit.getState().counted()).isEqualTo(2);
    assertThat(claim("e4", 2).granted()).isFalse();

    clock.set(START.plus(Duration.ofHours(1)));
    Claimed next = claim("e3", 2);
    assertThat(next.granted()).isTrue();
    assertThat(next.counted()).isEqualTo(1);
    assertThat(next.windowStart()).isEqualTo(clock.instant());
  }
}
