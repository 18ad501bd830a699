package io.scp.actors.vpn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.testing.EntityTestConfig;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PostpaidCallWatchTest {
  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void tellsTheCallsStillWatchedAtTwoChecksAlsoAfterARestart() {
    var told = new ConcurrentLinkedQueue<String>();
    var watch =
        EventSourcedBehaviorTestKit
            .<PostpaidCallWatch.Command, PostpaidCallWatch.Event, PostpaidCallWatch.State>create(
                testKit.system(),
                PostpaidCallWatch.create(
                    "7", Duration.ofMillis(300), (call, bucket) -> told.add(call + "@" + bucket)));

    assertThat(
            watch
                .<StatusReply<Done>>runCommand(r -> new PostpaidCallWatch.Watch("open", r))
                .reply()
                .isSuccess())
        .isTrue();
    var again = watch.<StatusReply<Done>>runCommand(r -> new PostpaidCallWatch.Watch("open", r));
    assertThat(again.reply().isSuccess()).isTrue();
    assertThat(again.hasNoEvents()).as("watching twice is one entry").isTrue();
    watch.<StatusReply<Done>>runCommand(r -> new PostpaidCallWatch.Watch("closed", r));
    watch.runCommand(new PostpaidCallWatch.Forget("closed"));

    await().atMost(Duration.ofSeconds(10)).until(() -> told.contains("open@7"));
    assertThat(told).as("a forgotten call is not told").containsOnly("open@7");

    told.clear();
    watch.restart();
    assertThat(watch.getState().callIds()).containsExactly("open");
    await().atMost(Duration.ofSeconds(10)).until(() -> told.contains("open@7"));
  }
}
