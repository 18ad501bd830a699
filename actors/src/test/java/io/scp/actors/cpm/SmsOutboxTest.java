package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.cpm.SmsOutbox.Command;
import io.scp.actors.cpm.SmsOutbox.Event;
import io.scp.actors.cpm.SmsOutbox.State;
import io.scp.actors.cpm.SmsOutbox.Submission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    var view =
        outbox
            .<StatusReply<SmsOutbox.OutboxView>>runCommand(r -> new SmsOutbox.Get(0, 10, r))
            .reply();
    assertThat(view.getValue().to()).isEqualTo("8613800000001");
    assertThat(view.getValue().submissions())
        .extracting(Submission::messageId)
        .containsExactly("m2", "m3");
  }

  private static EventSourcedBehaviorTestKit<Command, Event, State> outbox(int limit) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        SmsOutbox.create("8613800000001", limit),
        EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  private static void submit(
      EventSourcedBehaviorTestKit<Command, Event, State> outbox, Submission s) {
    outbox.<StatusReply<Done>>runCommand(r -> new SmsOutbox.Submit(s, r));
  }

  private static SmsOutbox.OutboxView get(
      EventSourcedBehaviorTestKit<Command, Event, State> outbox, long after, int limit) {
    return outbox
        .<StatusReply<SmsOutbox.OutboxView>>runCommand(r -> new SmsOutbox.Get(after, limit, r))
        .reply()
        .getValue();
  }

  private static long serializedBytes(Object message) {
    return CpmTesting.cborBytes(testKit.system(), message);
  }

  /** Parts of 153 GSM-7 septets or 67 UCS-2 units: the largest an SMS carries, 255 of them. */
  private static final String LARGEST_GSM7 = "x".repeat(SmsSegmenter.GSM7_PART * 255);

  private static final String LARGEST_UCS2 = "中".repeat(SmsSegmenter.UCS2_PART * 254) + "😀";

  @Test
  void theWeightOfASubmissionBoundsItsSerializedSize() {
    for (Submission s :
        List.of(
            submission("small", "hi"),
            submission("gsm", LARGEST_GSM7),
            submission("ucs", LARGEST_UCS2),
            submission("m".repeat(128), "€".repeat(400)))) {
      long bytes = serializedBytes(s);
      assertThat(3 * s.pageChars()).as("an upper bound of %s", s.messageId()).isGreaterThan(bytes);
      assertThat(s.pageChars())
          .as("no more than its strings and fixed fields: %s", s.messageId())
          .isLessThanOrEqualTo(bytes + PageBudget.ENTRY_CHARS);
    }
  }

  /**
   * A thousand submissions of 255 parts were 40 MB in one answer, far over Artery's 2 MiB frame:
   * pages stop at the budget, and following {@code next} reaches every submission once, in order.
   */
  @Test
  void pagesStayWithinTheBudgetAndReachEverySubmissionOnce() {
    var outbox = outbox(1000);
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 36; i++) {
      String text = i % 3 == 0 ? "short " + i : i % 3 == 1 ? LARGEST_GSM7 : LARGEST_UCS2;
      submit(outbox, submission("m" + i, text));
      submitted.add("m" + i);
    }

    List<String> seen = new ArrayList<>();
    long after = 0;
    int pages = 0;
    while (true) {
      var page = get(outbox, after, 100);
      pages++;
      assertThat(page.submissions()).isNotEmpty();
      long weight = page.submissions().stream().mapToLong(Submission::pageChars).sum();
      assertThat(weight).isLessThanOrEqualTo(PageBudget.PAGE_CHARS);
      assertThat(serializedBytes(page))
          .as("well below Artery's 2 MiB frame")
          .isLessThanOrEqualTo(3 * PageBudget.PAGE_CHARS + 256);
      page.submissions().forEach(s -> seen.add(s.messageId()));
      if (page.next().isEmpty()) break;
      assertThat(page.next().get()).isGreaterThan(after);
      after = page.next().get();
    }
    assertThat(seen).containsExactlyElementsOf(submitted);
    assertThat(pages)
        .as("the budget, not the limit of 100, ended the pages")
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void theCursorCountsSubmissionsAndSurvivesDroppedOnesAndRestarts() {
    var outbox = outbox(3);
    for (int i = 1; i <= 4; i++) submit(outbox, submission("m" + i, "text " + i));

    var first = get(outbox, 0, 2);
    assertThat(first.submissions()).extracting(Submission::messageId).containsExactly("m2", "m3");
    assertThat(first.next()).contains(3L);
    var last = get(outbox, first.next().get(), 2);
    assertThat(last.submissions()).extracting(Submission::messageId).containsExactly("m4");
    assertThat(last.next()).isEmpty();

    submit(outbox, submission("m5", "text 5"));
    submit(outbox, submission("m3", "a replay keeps its number"));
    submit(outbox, submission("m6", "text 6"));
    outbox.restart();
    assertThat(get(outbox, 1, 10).submissions())
        .as("m2 to m3 were dropped since: the page starts at the oldest kept")
        .extracting(Submission::messageId)
        .containsExactly("m4", "m5", "m6");
    assertThat(get(outbox, 4, 10).submissions())
        .extracting(Submission::messageId)
        .containsExactly("m5", "m6");
    assertThat(get(outbox, 6, 10).submissions()).isEmpty();
    assertThat(get(outbox, 6, 10).next()).isEmpty();
  }

  @Test
  void aStateFromBeforeTheNumberingNumbersItsSubmissionsFromOne() {
    var submissions = new LinkedHashMap<String, Submission>();
    submissions.put("a", submission("a", "x"));
    submissions.put("b", submission("b", "y"));
    assertThat(new State(submissions, 0).lastSeq()).isEqualTo(2);
    assertThat(new State(submissions, 7).lastSeq()).isEqualTo(7);
  }
}
