package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.cpm.CpmSession.Command;
import io.scp.actors.cpm.CpmSession.Event;
import io.scp.actors.cpm.CpmSession.Kind;
import io.scp.actors.cpm.CpmSession.SessionView;
import io.scp.actors.cpm.CpmSession.Spec;
import io.scp.actors.cpm.CpmSession.State;
import io.scp.actors.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CpmSessionTest {
  private static final ActorTestKit testKit = ActorTestKit.create(CpmTesting.CONFIG);
  private static final String ALICE = "sip:alice@example.com";
  private static final String BOB = "sip:bob@example.com";
  private static final String CAROL = "8613800000003";
  private static final Spec ONE_TO_ONE =
      new Spec(Kind.ONE_TO_ONE, ALICE, List.of(BOB), Optional.empty(), List.of("text", "audio"));

  private ManualClock clock;
  private String sessionId;
  private EventSourcedBehaviorTestKit<Command, Event, State> session;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    clock = new ManualClock();
    sessionId = "s-" + UUID.randomUUID();
    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            CpmSession.create(
                sessionId, CpmTesting.settings("scp.cpm.session-idle-timeout = 10m"), clock),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  private StatusReply<CpmSession.Started> start(Spec spec, List<String> members) {
    return session
        .<StatusReply<CpmSession.Started>>runCommand(
            r ->
                new CpmSession.Start(
                    spec, members, CpmAddress.subscriberMsisdn(spec.initiator()), r))
        .reply();
  }

  private StatusReply<CpmSession.Posting> post(String messageId, String from) {
    return session
        .<StatusReply<CpmSession.Posting>>runCommand(
            r -> new CpmSession.PostMessage(messageId, from, r))
        .reply();
  }

  private static ErrorCode code(StatusReply<?> reply) {
    return ((Refusal) reply.getError()).code();
  }

  /**
   * The session CDR names the number looked up at the start (a lent SIP-URI's); an event written
   * before that number was kept reads as empty, and the CDR falls back to what the initiator names.
   */
  @Test
  void theSessionCdrNamesTheNumberTheInitiatorWasBilledAs() {
    var lent = new Spec(Kind.ONE_TO_ONE, ALICE, List.of(BOB), Optional.empty(), List.of());
    session.<StatusReply<CpmSession.Started>>runCommand(
        r -> new CpmSession.Start(lent, List.of(ALICE, BOB), Optional.of("8613800000009"), r));
    assertThat(endedCdr().msisdn()).contains("8613800000009");
    assertThat(endedCdr().chargedParty()).isEqualTo(ALICE);

    session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            CpmSession.create(
                "s-" + UUID.randomUUID(),
                CpmTesting.settings("scp.cpm.session-idle-timeout = 10m"),
                clock),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    var byNumber = new Spec(Kind.ONE_TO_ONE, CAROL, List.of(BOB), Optional.empty(), List.of());
    session.<StatusReply<CpmSession.Started>>runCommand(
        r -> new CpmSession.Start(byNumber, List.of(CAROL, BOB), Optional.empty(), r));
    assertThat(endedCdr().msisdn()).contains(CAROL);
  }

  private CpmCdr endedCdr() {
    return session
        .<StatusReply<SessionView>>runCommand(CpmSession.End::new)
        .reply()
        .getValue()
        .cdr()
        .orElseThrow();
  }

  @Test
  void anUnknownSessionRefusesEverything() {
    assertThat(code(post("m", ALICE))).isEqualTo(ErrorCode.UNKNOWN_SESSION);
    assertThat(code(session.<StatusReply<SessionView>>runCommand(CpmSession.End::new).reply()))
        .isEqualTo(ErrorCode.UNKNOWN_SESSION);
  }

  @Test
  void aSessionStartsOnceWithItsMediaDecisions() {
    var first = start(ONE_TO_ONE, List.of(ALICE, BOB));
    assertThat(first.getValue().created()).isTrue();
    assertThat(first.getValue().session().media())
        .extracting(MediaSelection.MediaDecision::transport)
        .containsExactly(
            Optional.of(MediaSelection.Transport.MSRP), Optional.of(MediaSelection.Transport.RTP));
    var again = start(ONE_TO_ONE, List.of(ALICE, BOB));
    assertThat(again.getValue().created()).isFalse();
    var other =
        start(
            new Spec(Kind.AD_HOC_GROUP, ALICE, List.of(BOB), Optional.empty(), List.of()),
            List.of(ALICE, BOB));
    assertThat(code(other)).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
  }

  /** A full session refuses one more participant for its state (409), not for the request. */
  @Test
  void aFullSessionRefusesAnotherParticipantAsGroupFull() {
    var three = CpmTesting.settings("scp.cpm.max-group-members = 3");
    this.session =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            CpmSession.create(sessionId, three, clock),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    start(ONE_TO_ONE, List.of(ALICE, BOB));
    this.session.<StatusReply<SessionView>>runCommand(r -> new CpmSession.AddParticipant(CAROL, r));
    var full =
        this.session.<StatusReply<SessionView>>runCommand(
            r -> new CpmSession.AddParticipant("8613800000004", r));
    assertThat(code(full.reply())).isEqualTo(ErrorCode.GROUP_FULL);
    assertThat(full.hasNoEvents()).isTrue();
  }

  @Test
  void messagesGoToTheOtherParticipantsAndReplaysAnswerTheSame() {
    start(ONE_TO_ONE, List.of(ALICE, BOB));
    assertThat(post("m1", ALICE).getValue().recipients()).containsExactly(BOB);
    assertThat(code(post("m2", CAROL))).isEqualTo(ErrorCode.NOT_PARTICIPANT);

    var added =
        session.<StatusReply<SessionView>>runCommand(r -> new CpmSession.AddParticipant(CAROL, r));
    assertThat(added.reply().getValue().kind()).isEqualTo(Kind.AD_HOC_GROUP);
    assertThat(added.reply().getValue().participants()).containsExactly(ALICE, BOB, CAROL);
    assertThat(
            session
                .<StatusReply<SessionView>>runCommand(r -> new CpmSession.AddParticipant(CAROL, r))
                .hasNoEvents())
        .isTrue();

    assertThat(post("m2", BOB).getValue().recipients()).containsExactly(ALICE, CAROL);
    var replay =
        session.<StatusReply<CpmSession.Posting>>runCommand(
            r -> new CpmSession.PostMessage("m1", ALICE, r));
    assertThat(replay.hasNoEvents()).isTrue();
    assertThat(replay.reply().getValue().recipients()).containsExactly(BOB);

    assertThat(((CpmSession.Live) session.getState()).messageCount())
        .as("a posting counts once its message is accepted")
        .isZero();
    assertThat(accept("m1").events()).hasSize(1);
    assertThat(accept("m2").events()).hasSize(1);
    assertThat(accept("m1").hasNoEvents()).as("told again after a crash: counted once").isTrue();
    assertThat(accept("never-posted").hasNoEvents()).isTrue();

    session.restart();
    assertThat(((CpmSession.Live) session.getState()).messageCount()).isEqualTo(2);
  }

  private EventSourcedBehaviorTestKit.CommandResult<Command, Event, State> accept(String id) {
    return session.runCommand(new CpmSession.MessageAccepted(id));
  }

  @Test
  void endingWritesTheSessionCdrOnce() {
    start(ONE_TO_ONE, List.of(ALICE, BOB));
    post("m1", ALICE);
    accept("m1");
    post("refused", ALICE); // its message was refused: never accepted, not a unit
    clock.advance(Duration.ofSeconds(90));
    var ended = session.<StatusReply<SessionView>>runCommand(CpmSession.End::new);
    assertThat(ended.events()).hasSize(1);
    CpmCdr cdr = ((CpmSession.SessionEnded) ended.events().get(0)).cdr();
    assertThat(cdr.type()).isEqualTo(CpmCdr.Type.SESSION);
    assertThat(cdr.cdrId()).isEqualTo("cpm-session:" + sessionId);
    assertThat(cdr.chargedParty()).isEqualTo(ALICE);
    assertThat(cdr.called()).containsExactly(BOB);
    assertThat(cdr.units()).isEqualTo(1);
    assertThat(Duration.between(cdr.startedAt(), cdr.endedAt())).isEqualTo(Duration.ofSeconds(90));
    assertThat(cdr.cause()).contains(CpmSession.CLOSED);
    assertThat(ended.reply().getValue().active()).isFalse();

    var again = session.<StatusReply<SessionView>>runCommand(CpmSession.End::new);
    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().getValue()).isEqualTo(ended.reply().getValue());
    assertThat(code(post("m2", BOB))).isEqualTo(ErrorCode.SESSION_ENDED);
    assertThat(post("m1", ALICE).getValue().recipients()).containsExactly(BOB);
  }

  @Test
  void anIdleSessionIsEndedByTheScp() {
    start(ONE_TO_ONE, List.of(ALICE, BOB));
    clock.advance(Duration.ofMinutes(4));
    post("refused", ALICE); // a message refused is no activity
    clock.advance(Duration.ofMinutes(1));
    post("m1", ALICE);
    accept("m1"); // an accepted one is: the idle timeout counts from here
    clock.advance(Duration.ofMinutes(9));
    assertThat(session.runCommand(CpmSession.IdleTimeout.INSTANCE).hasNoEvents()).isTrue();
    clock.advance(Duration.ofMinutes(1));
    var timedOut = session.runCommand(CpmSession.IdleTimeout.INSTANCE);
    assertThat(timedOut.events()).hasSize(1);
    assertThat(((CpmSession.SessionEnded) timedOut.events().get(0)).cause())
        .isEqualTo(CpmSession.IDLE_TIMEOUT);
  }
}
