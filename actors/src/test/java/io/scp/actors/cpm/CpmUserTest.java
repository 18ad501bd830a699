package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.SnapshotCopies;
import io.scp.actors.cpm.CpmUser.Batch;
import io.scp.actors.cpm.CpmUser.Command;
import io.scp.actors.cpm.CpmUser.Content;
import io.scp.actors.cpm.CpmUser.Deliver;
import io.scp.actors.cpm.CpmUser.DeviceEvent;
import io.scp.actors.cpm.CpmUser.Direction;
import io.scp.actors.cpm.CpmUser.Entry;
import io.scp.actors.cpm.CpmUser.Event;
import io.scp.actors.cpm.CpmUser.State;
import io.scp.actors.cpm.CpmUser.Status;
import io.scp.actors.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CpmUserTest {
  private static final ActorTestKit testKit = ActorTestKit.create(CpmTesting.CONFIG);
  private static final String ME = "sip:me@example.com";
  private static final String ALICE = "sip:alice@example.com";
  private static final String BOB = "sip:bob@example.com";

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<Command, Event, State> user;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    clock = new ManualClock();
    user = userWith("scp.cpm.history-limit = 1000");
  }

  private EventSourcedBehaviorTestKit<Command, Event, State> userWith(String settings) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        CpmUser.create(ME + UUID.randomUUID(), CpmTesting.settings(settings), clock),
        EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  private void provision() {
    user.<StatusReply<CpmUser.Provisioned>>runCommand(
        r -> new CpmUser.Provision(Optional.of("Me"), r));
  }

  private Content content(String id, String from, Duration validity) {
    Instant now = clock.instant();
    return new Content(
        id,
        Optional.empty(),
        from,
        List.of(ME),
        "text/plain",
        Optional.of("body of " + id),
        MessageMode.PAGER,
        now,
        now.plus(validity));
  }

  private Status deposit(String id) {
    return deposit(content(id, ALICE, Duration.ofHours(1)));
  }

  private Status deposit(Content content) {
    var result =
        user.<StatusReply<CpmUser.Deposited>>runCommand(r -> new CpmUser.Deposit(content, r));
    return result.reply().getValue().status();
  }

  private CpmUser.User state() {
    return (CpmUser.User) user.getState();
  }

  private List<String> page(Optional<String> peer, Optional<String> before, int limit) {
    return history(peer, before, limit).messages().stream().map(Entry::messageId).toList();
  }

  private CpmUser.HistoryPage history(Optional<String> peer, Optional<String> before, int limit) {
    return user.<StatusReply<CpmUser.HistoryPage>>runCommand(
            r -> new CpmUser.History(peer, before, limit, r))
        .reply()
        .getValue();
  }

  private static ErrorCode code(StatusReply<?> reply) {
    return ((Refusal) reply.getError()).code();
  }

  @Test
  void provisioningIsIdempotentAndAnUnknownUserRefusesEverything() {
    assertThat(code(user.<StatusReply<CpmUser.UserView>>runCommand(CpmUser.Get::new).reply()))
        .isEqualTo(ErrorCode.UNKNOWN_USER);
    assertThat(lookup(0).provisioned()).isFalse();
    assertThat(
            code(
                user.<StatusReply<CpmUser.Deposited>>runCommand(
                        r -> new CpmUser.Deposit(content("m", ALICE, Duration.ofHours(1)), r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_USER);

    var first =
        user.<StatusReply<CpmUser.Provisioned>>runCommand(
            r -> new CpmUser.Provision(Optional.of("Me"), r));
    assertThat(first.reply().getValue().created()).isTrue();
    assertThat(first.events()).containsExactly(new CpmUser.UserProvisioned(Optional.of("Me")));
    var again =
        user.<StatusReply<CpmUser.Provisioned>>runCommand(
            r -> new CpmUser.Provision(Optional.of("Me"), r));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().getValue().created()).isFalse();
    var renamed =
        user.<StatusReply<CpmUser.Provisioned>>runCommand(
            r -> new CpmUser.Provision(Optional.of("Still me"), r));
    assertThat(renamed.reply().getValue().created()).isFalse();
    assertThat(renamed.reply().getValue().user().displayName()).contains("Still me");
  }

  @Test
  void depositsAreNumberedInArrivalOrderAndAReplayChangesNothing() {
    provision();
    assertThat(deposit("m1")).isEqualTo(Status.STORED);
    assertThat(deposit("m2")).isEqualTo(Status.STORED);
    var replay =
        user.<StatusReply<CpmUser.Deposited>>runCommand(
            r -> new CpmUser.Deposit(content("m1", ALICE, Duration.ofHours(1)), r));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(replay.reply().getValue().status()).isEqualTo(Status.STORED);
    assertThat(state().history().get("m1").seq()).isEqualTo(1);
    assertThat(state().history().get("m2").seq()).isEqualTo(2);
    assertThat(state().mailbox()).containsKeys(1L, 2L);

    user.restart();
    assertThat(state().lastSeq()).isEqualTo(2);
    assertThat(state().mailbox()).hasSize(2);
  }

  @Test
  void aDeviceGetsTheMailboxInPagesThenLiveMessages() {
    provision();
    deposit("m1");
    deposit("m2");
    deposit("m3");
    TestProbe<DeviceEvent> device = testKit.createTestProbe();

    var first = user.runCommand(new CpmUser.Sync(device.ref(), 0, 2));
    Batch page1 = device.expectMessageClass(Batch.class);
    assertThat(page1.messages()).extracting(Entry::messageId).containsExactly("m1", "m2");
    assertThat(page1.hasMore()).isTrue();
    assertThat(page1.messages()).extracting(Entry::status).containsOnly(Status.DELIVERED);
    assertThat(first.events()).containsExactly(new CpmUser.MessagesDelivered(List.of("m1", "m2")));

    user.runCommand(new CpmUser.Sync(device.ref(), 2, 2));
    Batch page2 = device.expectMessageClass(Batch.class);
    assertThat(page2.messages()).extracting(Entry::messageId).containsExactly("m3");
    assertThat(page2.hasMore()).isFalse();

    assertThat(deposit("m4")).isEqualTo(Status.DELIVERED);
    Deliver live = device.expectMessageClass(Deliver.class);
    assertThat(live.message().messageId()).isEqualTo("m4");
    assertThat(live.message().seq()).isEqualTo(4);

    var again = user.runCommand(new CpmUser.Sync(device.ref(), 4, 2));
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(device.expectMessageClass(Batch.class).messages()).isEmpty();
  }

  @Test
  void anAcknowledgedMessageLeavesTheMailboxButStaysInTheHistory() {
    provision();
    deposit("m1");
    deposit("m2");
    var ack = user.runCommand(new CpmUser.Acknowledge("m1"));
    assertThat(ack.events()).containsExactly(new CpmUser.MessageAcknowledged("m1"));
    assertThat(user.runCommand(new CpmUser.Acknowledge("m1")).hasNoEvents()).isTrue();
    assertThat(user.runCommand(new CpmUser.Acknowledge("unknown")).hasNoEvents()).isTrue();

    TestProbe<DeviceEvent> device = testKit.createTestProbe();
    user.runCommand(new CpmUser.Sync(device.ref(), 0, 10));
    assertThat(device.expectMessageClass(Batch.class).messages())
        .extracting(Entry::messageId)
        .containsExactly("m2");
    assertThat(state().history().get("m1").status()).isEqualTo(Status.ACKNOWLEDGED);
    user.restart();
    assertThat(state().mailbox().values()).containsExactly("m2");
  }

  @Test
  void atTheEndOfValidityUndeliveredMessagesExpireWithoutTheirBody() {
    provision();
    deposit(content("short", ALICE, Duration.ofSeconds(10)));
    deposit(content("seen", ALICE, Duration.ofSeconds(10)));
    deposit(content("long", ALICE, Duration.ofHours(1)));
    TestProbe<DeviceEvent> device = testKit.createTestProbe();
    user.runCommand(new CpmUser.Sync(device.ref(), 1, 1));
    device.expectMessageClass(Batch.class);

    assertThat(user.runCommand(CpmUser.ExpireDue.INSTANCE).hasNoEvents()).isTrue();
    clock.advance(Duration.ofSeconds(11));
    var expired = user.runCommand(CpmUser.ExpireDue.INSTANCE);
    assertThat(expired.events())
        .containsExactly(new CpmUser.MessagesExpired(List.of("short", "seen")));
    Entry gone = state().history().get("short");
    assertThat(gone.status()).isEqualTo(Status.EXPIRED);
    assertThat(gone.content().body()).isEmpty();
    assertThat(state().history().get("seen").status()).isEqualTo(Status.DELIVERED);
    assertThat(state().mailbox().values()).containsExactly("long");

    user.restart();
    assertThat(state().history().get("short").status()).isEqualTo(Status.EXPIRED);
    assertThat(state().mailbox().values()).containsExactly("long");
  }

  @Test
  void theMailboxIndexFollowsEveryChangeAndTheSnapshotCopyIsTheWholeState() {
    provision();
    deposit(content("expires", ALICE, Duration.ofSeconds(10)));
    deposit(content("acked", ALICE, Duration.ofHours(1)));
    deposit(content("deleted", BOB, Duration.ofHours(2)));
    deposit(content("waits", BOB, Duration.ofHours(3)));
    user.runCommand(new CpmUser.Acknowledge("acked"));
    user.<StatusReply<Done>>runCommand(r -> new CpmUser.Delete("deleted", r));
    clock.advance(Duration.ofSeconds(11));
    user.runCommand(CpmUser.ExpireDue.INSTANCE);

    CpmUser.User state = state();
    assertThat(state.mailbox().values()).containsExactly("waits");
    assertThat(state.index())
        .as("kept up to date event by event: the same as rebuilt from scratch")
        .isEqualTo(MailboxIndex.of(state.history(), state.mailbox()));
    assertThat(state.mailboxChars()).isEqualTo("body of waits".length());
    assertThat(state.index().earliestExpiry())
        .contains(state.history().get("waits").content().expiresAt());

    Object roundTrip = new SnapshotCopies<State>(testKit.system()).toJournal(state);
    State copy = CpmUser.snapshotCopy(state);
    assertThat(copy).as("what the serializer gives, its index rebuilt").isEqualTo(roundTrip);
    // what the event handler does next, while the snapshot store may still be serializing
    deposit("newer");
    assertThat(copy).isEqualTo(roundTrip).isNotEqualTo(user.getState());

    user.restart();
    assertThat(state().index()).isEqualTo(MailboxIndex.of(state().history(), state().mailbox()));
    assertThat(state().mailbox().values()).containsExactly("waits", "newer");
  }

  @Test
  void historyPagesNewestFirstByCursorTimeOrMessageId() {
    provision();
    for (int i = 1; i <= 5; i++) {
      deposit("a" + i);
      clock.advance(Duration.ofSeconds(1));
    }
    deposit(content("b1", BOB, Duration.ofHours(1)));
    user.<StatusReply<Done>>runCommand(
        r ->
            new CpmUser.RecordSent(
                new Content(
                    "out1",
                    Optional.empty(),
                    ME,
                    List.of(ALICE),
                    "text/plain",
                    Optional.of("hi"),
                    MessageMode.PAGER,
                    clock.instant(),
                    clock.instant()),
                r));

    var first = history(Optional.of(ALICE), Optional.empty(), 2);
    assertThat(first.messages()).extracting(Entry::messageId).containsExactly("out1", "a5");
    assertThat(first.next()).contains("5");
    assertThat(page(Optional.of(ALICE), first.next(), 2)).containsExactly("a4", "a3");
    assertThat(page(Optional.of(ALICE), Optional.of("a3"), 10)).containsExactly("a2", "a1");
    assertThat(history(Optional.of(ALICE), Optional.of("a3"), 10).next()).isEmpty();
    assertThat(page(Optional.empty(), Optional.of("2030-01-01T00:00:02Z"), 10))
        .containsExactly("a2", "a1");
    assertThat(page(Optional.of(BOB), Optional.empty(), 10)).containsExactly("b1");
    assertThat(state().history().get("out1").status()).isEqualTo(Status.SENT);
    assertThat(
            code(
                user.<StatusReply<CpmUser.HistoryPage>>runCommand(
                        r ->
                            new CpmUser.History(
                                Optional.empty(), Optional.of("not-a-cursor"), 10, r))
                    .reply()))
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
  }

  @Test
  void deleteRemovesAMessageForEveryDeviceAndIsIdempotent() {
    provision();
    deposit("m1");
    deposit("m2");
    var deleted = user.<StatusReply<Done>>runCommand(r -> new CpmUser.Delete("m1", r));
    assertThat(deleted.reply().isSuccess()).isTrue();
    assertThat(deleted.events()).containsExactly(new CpmUser.MessageDeleted("m1"));
    var again = user.<StatusReply<Done>>runCommand(r -> new CpmUser.Delete("m1", r));
    assertThat(again.reply().isSuccess()).isTrue();
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(code(user.<StatusReply<Done>>runCommand(r -> new CpmUser.Delete("m9", r)).reply()))
        .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(page(Optional.empty(), Optional.empty(), 10)).containsExactly("m2");
    assertThat(state().mailbox().values()).containsExactly("m2");
    assertThat(deposit("m1"))
        .as("a late re-delivery of a deleted message")
        .isEqualTo(Status.STORED);
    assertThat(page(Optional.empty(), Optional.empty(), 10)).containsExactly("m2");
  }

  @Test
  void theHistoryIsBoundedButNeverDropsUndeliveredMessages() {
    user = userWith("scp.cpm.history-limit = 3");
    provision();
    deposit("i1");
    deposit("i2");
    user.runCommand(new CpmUser.Acknowledge("i1"));
    deposit("i3");
    deposit("i4");
    assertThat(state().history().keySet()).containsExactly("i2", "i3", "i4");
    deposit("i5");
    assertThat(state().history().keySet()).containsExactly("i2", "i3", "i4", "i5");
    assertThat(state().mailbox()).hasSize(4);
  }

  /** A large body pushes the oldest acknowledged messages out, never the undelivered ones. */
  @Test
  void theHistoryIsBoundedByTheSizeOfItsBodiesToo() {
    user = userWith("scp.cpm.history-max-bytes = 100");
    provision();
    deposit(withBody("i1", 30));
    deposit(withBody("i2", 30));
    deposit(withBody("i3", 30));
    user.runCommand(new CpmUser.Acknowledge("i1"));
    user.runCommand(new CpmUser.Acknowledge("i2"));
    assertThat(state().history().keySet()).containsExactly("i1", "i2", "i3");

    deposit(withBody("i4", 30)); // 120 characters: i1 goes
    assertThat(state().history().keySet()).containsExactly("i2", "i3", "i4");
    deposit(withBody("i5", 60)); // 150: i2 goes; i3 and i4 wait in the mailbox and stay
    assertThat(state().history().keySet()).containsExactly("i3", "i4", "i5");
    assertThat(state().index().historyChars()).isEqualTo(120);

    user.<StatusReply<Done>>runCommand(r -> new CpmUser.Delete("i5", r));
    assertThat(state().index().historyChars()).isEqualTo(60);
    user.restart();
    assertThat(state().history().keySet()).containsExactly("i3", "i4");
    assertThat(state().index().historyChars()).as("rebuilt on recovery").isEqualTo(60);
  }

  private Content withBody(String id, int chars) {
    Content c = content(id, ALICE, Duration.ofHours(1));
    return new Content(
        id,
        c.sessionId(),
        c.from(),
        c.to(),
        c.contentType(),
        Optional.of("x".repeat(chars)),
        c.mode(),
        c.sentAt(),
        c.expiresAt());
  }

  @Test
  void aFullMailboxIsNotAccepting() {
    user = userWith("scp.cpm.mailbox-limit = 2");
    provision();
    deposit("m1");
    assertThat(lookup(0).accepting()).isTrue();
    deposit("m2");
    assertThat(lookup(0)).isEqualTo(new CpmUser.UserInfo(true, false));
  }

  /** A message is refused when its own body would take the mailbox over its size. */
  @Test
  void aMailboxIsNotAcceptingABodyThatWouldTakeItOverItsSize() {
    user = userWith("scp.cpm.mailbox-max-bytes = 20");
    provision();
    deposit("m1"); // "body of m1": 10 characters, 10 left
    assertThat(accepting(10)).isTrue();
    assertThat(accepting(11)).isFalse();
    assertThat(accepting(0)).as("only whether it is full").isTrue();
  }

  // ---------------------------------------------------------------- page budget

  private static long serializedBytes(Object message) {
    return CpmTesting.cborBytes(testKit.system(), message);
  }

  /** The most a message may name: 100 recipients of 256 characters. */
  private static final List<String> WIDEST_TO =
      IntStream.range(0, 100)
          .mapToObj(i -> "sip:" + String.format("%03d", i) + "r".repeat(237) + "@example.com")
          .toList();

  private Content wide(String id, String body) {
    Instant now = clock.instant();
    return new Content(
        id,
        Optional.of("session-" + id),
        ALICE,
        WIDEST_TO,
        "text/plain; charset=utf-8",
        Optional.of(body),
        MessageMode.PAGER,
        now,
        now.plus(Duration.ofHours(1)));
  }

  @Test
  void theWeightOfAnEntryBoundsItsSerializedSize() {
    assertThat(WIDEST_TO).allSatisfy(a -> assertThat(a).hasSize(256));
    for (Entry e :
        List.of(
            new Entry(1, content("short", ALICE, Duration.ofHours(1)), Direction.IN, Status.STORED),
            new Entry(2, wide("wide", "hello"), Direction.IN, Status.DELIVERED),
            new Entry(3, wide("chinese", "中".repeat(5000)), Direction.OUT, Status.SENT),
            new Entry(4, wide("emoji", "😀".repeat(5000)), Direction.IN, Status.ACKNOWLEDGED),
            new Entry(
                Long.MAX_VALUE,
                wide("expired", "gone").withoutBody(),
                Direction.IN,
                Status.EXPIRED))) {
      long bytes = serializedBytes(e);
      assertThat(3 * e.pageChars()).as("an upper bound of %s", e.messageId()).isGreaterThan(bytes);
      assertThat(e.pageChars())
          .as("no more than its strings and fixed fields: %s", e.messageId())
          .isLessThanOrEqualTo(bytes + PageBudget.ENTRY_CHARS);
    }
  }

  /**
   * Every copy of a message carries its whole recipient list: 80 messages to 100 recipients of 256
   * characters were one history page of 2 MiB, past Artery's frame, when only bodies counted.
   */
  @Test
  void historyPagesAndMailboxBatchesWeighTheRecipientsAndReachEveryMessageOnce() {
    provision();
    List<String> deposited = new ArrayList<>();
    for (int i = 1; i <= 80; i++) {
      deposit(wide("w" + i, "body " + i));
      deposited.add("w" + i);
    }

    List<String> newestFirst = new ArrayList<>();
    Optional<String> before = Optional.empty();
    int pages = 0;
    do {
      var page = history(Optional.empty(), before, 200);
      pages++;
      assertWithinBudget(page.messages(), page);
      page.messages().forEach(e -> newestFirst.add(e.messageId()));
      before = page.next();
    } while (before.isPresent());
    List<String> oldestFirst = new ArrayList<>(newestFirst);
    Collections.reverse(oldestFirst);
    assertThat(oldestFirst).containsExactlyElementsOf(deposited);
    assertThat(pages).as("the budget, not the limit of 200, ended the pages").isGreaterThan(5);

    TestProbe<DeviceEvent> device = testKit.createTestProbe();
    List<String> inOrder = new ArrayList<>();
    long after = 0;
    boolean more = true;
    while (more) {
      user.runCommand(new CpmUser.Sync(device.ref(), after, 200));
      Batch batch = device.expectMessageClass(Batch.class);
      assertWithinBudget(batch.messages(), batch);
      batch.messages().forEach(e -> inOrder.add(e.messageId()));
      after = batch.messages().get(batch.messages().size() - 1).seq();
      more = batch.hasMore();
    }
    assertThat(inOrder).containsExactlyElementsOf(deposited);
  }

  private static void assertWithinBudget(List<Entry> entries, Object page) {
    assertThat(entries).isNotEmpty();
    assertThat(entries.stream().mapToLong(Entry::pageChars).sum())
        .isLessThanOrEqualTo(PageBudget.PAGE_CHARS);
    assertThat(serializedBytes(page))
        .as("well below Artery's 2 MiB frame")
        .isLessThanOrEqualTo(3 * PageBudget.PAGE_CHARS + 256);
  }

  @Test
  void aMessageHeavierThanAPageComesAlone() {
    provision();
    String large = "x".repeat((int) PageBudget.PAGE_CHARS);
    deposit(content("small", ALICE, Duration.ofHours(1)));
    deposit(wide("large1", large));
    deposit(wide("large2", large));

    var first = history(Optional.empty(), Optional.empty(), 10);
    assertThat(first.messages()).extracting(Entry::messageId).containsExactly("large2");
    var second = history(Optional.empty(), first.next(), 10);
    assertThat(second.messages()).extracting(Entry::messageId).containsExactly("large1");
    var last = history(Optional.empty(), second.next(), 10);
    assertThat(last.messages()).extracting(Entry::messageId).containsExactly("small");
    assertThat(last.next()).isEmpty();

    TestProbe<DeviceEvent> device = testKit.createTestProbe();
    user.runCommand(new CpmUser.Sync(device.ref(), 0, 10));
    Batch batch = device.expectMessageClass(Batch.class);
    assertThat(batch.messages()).extracting(Entry::messageId).containsExactly("small");
    assertThat(batch.hasMore()).isTrue();
    user.runCommand(new CpmUser.Sync(device.ref(), 1, 10));
    assertThat(device.expectMessageClass(Batch.class).messages())
        .extracting(Entry::messageId)
        .containsExactly("large1");
  }

  private boolean accepting(long incomingChars) {
    return lookup(incomingChars).accepting();
  }

  private CpmUser.UserInfo lookup(long incomingChars) {
    return user.<StatusReply<CpmUser.UserInfo>>runCommand(r -> new CpmUser.Lookup(incomingChars, r))
        .reply()
        .getValue();
  }
}
