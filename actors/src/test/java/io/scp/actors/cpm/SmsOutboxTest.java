package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.cpm.SmsOutbox.Command;
import io.scp.actors.cpm.SmsOutbox.Event;
import io.scp.actors.cpm.SmsOutbox.State;
import io.scp.actors.cpm.SmsOutbox.Submission;
import java.time.Instant;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SmsOutboxTest {
  private static final ActorTestKit testKit = ActorTestKit.create(CpmTesting.CONFIG);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Submission submission(String messageId, String text) {
    var s = SmsSegmenter.segment(text);
    return new Submission(
        messageId,
        "sip:a@example.com",
        s.encoding(),
        s.parts(),
        Instant.parse("2030-01-01T00:00:00Z"));
  }

  @Test
  void submissionsAreIdempotentAndBounded() {
    EventSourcedBehaviorTestKit<Command, Event, State> outbox =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            SmsOutbox.create("8613800000001", 2),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    var first =
        outbox.<StatusReply<Done>>runCommand(
            r -> new SmsOutbox.Submit(submission("m1", "x".repeat(161)), r));
    assertThat(first.events()).hasSize(1);
    var replay =
        outbox.<StatusReply<Done>>runCommand(
            r -> new SmsOutbox.Submit(submission("m1", "x".repeat(161)), r));
    assertThat(replay.hasNoEvents()).isTrue();
    outbox.<StatusReply<Done>>runCommand(r -> new SmsOutbox.Submit(submission("m2", "b"), r));
    outbox.<StatusReply<Done>>runCommand(r -> new SmsOutbox.Submit(submission("m3", "c"), r));

    outbox.restart();
    var view = outbox.<StatusReply<SmsOutbox.OutboxView>>runCommand(SmsOutbox.Get::new).reply();
    assertThat(view.getValue().to()).isEqualTo("8613800000001");
    assertThat(view.getValue().submissions())
        .extracting(Submission::messageId)
        .containsExactly("m2", "m3");
  }
}
