package io.scp.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.CborSerializable;
import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal's batched write (io.scp.persistence.journal.BatchingJdbcJournal) on the real node and
 * PostgreSQL: many entities writing at once land as one statement per batch, every event with its
 * sequence number and tags, readable by replay and by the tag query the read models use.
 */
class JournalBatchWriteTest {
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  static TestNode node;
  static ActorSystem<?> system;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    system = node.node().system();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void manyEntitiesWritingAtOnceKeepEveryEventItsOrderAndItsTags() throws Exception {
    String tag = "batch-" + UUID.randomUUID();
    List<String> ids = IntStream.range(0, 60).mapToObj(i -> "e" + i + "-" + tag).toList();
    Map<String, ActorRef<Append>> entities = new HashMap<>();
    ids.forEach(id -> entities.put(id, spawn(id, tag)));

    // Every entity writes three events in one persistAll, twice, all entities at once.
    for (int round = 0; round < 2; round++) {
      List<CompletableFuture<Long>> writes = new ArrayList<>();
      for (String id : ids) writes.add(append(entities.get(id), 3).toCompletableFuture());
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
      for (var write : writes) assertThat(write.get()).isEqualTo(3L * (round + 1));
    }

    try (Connection db = TestDatabase.connect()) {
      for (String id : ids) {
        List<long[]> rows =
            rows(
                db,
                "SELECT sequence_number, ordering FROM event_journal WHERE persistence_id = ?"
                    + " ORDER BY sequence_number",
                "JournalTest|" + id);
        assertThat(rows).extracting(r -> r[0]).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        // A persistence id's events are ordered as they were written.
        for (int i = 1; i < rows.size(); i++)
          assertThat(rows.get(i)[1]).isGreaterThan(rows.get(i - 1)[1]);
      }
      // Odd sequence numbers are tagged: exactly one tag row each, pointing at its own event.
      List<long[]> tagged =
          rows(
              db,
              "SELECT j.sequence_number, count(*) FROM event_tag t"
                  + " JOIN event_journal j ON j.ordering = t.event_id WHERE t.tag = ?"
                  + " GROUP BY j.persistence_id, j.sequence_number",
              tag);
      assertThat(tagged).hasSize(ids.size() * 3);
      assertThat(tagged).allSatisfy(r -> assertThat(r[0] % 2).isEqualTo(1L));
      assertThat(tagged).allSatisfy(r -> assertThat(r[1]).isEqualTo(1L));
    }

    // The tag query of the read journal sees the same events, with their payloads.
    var readJournal =
        PersistenceQuery.get(system)
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    var envelopes =
        readJournal
            .currentEventsByTag(tag, Offset.noOffset())
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get();
    assertThat(envelopes).hasSize(ids.size() * 3);
    assertThat(envelopes)
        .allSatisfy(e -> assertThat(((Appended) e.event()).number()).isEqualTo(e.sequenceNr()));

    // Replay: a second incarnation of every entity (it only reads) recovers its six events.
    for (String id : ids) {
      ActorRef<Append> again = spawn(id, tag);
      assertThat(append(again, 0).toCompletableFuture().get()).isEqualTo(6L);
    }
  }

  @Test
  void manyEntitiesStartingAtOnceEachRecoverTheirOwnEventsAndWriteOnAfterThem() throws Exception {
    String tag = "start-" + UUID.randomUUID();
    // Entity i has written i % 4 events; the highest sequence numbers are read for many at once.
    List<String> ids = IntStream.range(0, 60).mapToObj(i -> "s" + i + "-" + tag).toList();
    for (int i = 0; i < ids.size(); i++) {
      if (i % 4 > 0)
        assertThat(append(spawn(ids.get(i), tag), i % 4).toCompletableFuture().get())
            .isEqualTo(i % 4);
    }

    // Second incarnations, all started together, each write one event more.
    List<CompletableFuture<Long>> writes = new ArrayList<>();
    for (String id : ids) writes.add(append(spawn(id, tag), 1).toCompletableFuture());
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
    for (int i = 0; i < ids.size(); i++) {
      assertThat(writes.get(i).get()).as(ids.get(i)).isEqualTo(i % 4 + 1L);
    }
    try (Connection db = TestDatabase.connect()) {
      for (int i = 0; i < ids.size(); i++) {
        assertThat(
                rows(
                    db,
                    "SELECT sequence_number, 0 FROM event_journal WHERE persistence_id = ?"
                        + " ORDER BY sequence_number",
                    "JournalTest|" + ids.get(i)))
            .extracting(r -> r[0])
            .containsExactlyElementsOf(
                IntStream.rangeClosed(1, i % 4 + 1).mapToObj(n -> (long) n).toList());
      }
    }
  }

  @Test
  void aBatchPostgresRefusesFailsItsWritersAndTheJournalGoesOn() throws Exception {
    String tag = "refused-" + UUID.randomUUID();
    ActorRef<Append> doomed = spawn("doomed-" + tag, tag);
    assertThat(append(doomed, 0).toCompletableFuture().get()).isZero();
    // Someone else wrote this entity's next sequence number behind its back.
    try (Connection db = TestDatabase.connect();
        PreparedStatement insert =
            db.prepareStatement(
                "INSERT INTO event_journal (persistence_id, sequence_number, writer,"
                    + " write_timestamp, event_ser_id, event_ser_manifest, event_payload)"
                    + " VALUES (?, 1, 'intruder', 0, 0, '', '\\x00')")) {
      insert.setString(1, "JournalTest|doomed-" + tag);
      insert.executeUpdate();
    }
    CompletableFuture<Long> refused = append(doomed, 2).toCompletableFuture();
    await().atMost(TIMEOUT.plusSeconds(5)).until(refused::isDone);
    assertThat(refused).isCompletedExceptionally();
    // Nothing of the refused batch was written.
    try (Connection db = TestDatabase.connect()) {
      assertThat(
              rows(
                  db,
                  "SELECT sequence_number, length(writer) FROM event_journal"
                      + " WHERE persistence_id = ?",
                  "JournalTest|doomed-" + tag))
          .extracting(r -> r[0] + "/" + r[1])
          .containsExactly("1/" + "intruder".length());
    }

    ActorRef<Append> healthy = spawn("healthy-" + tag, tag);
    assertThat(append(healthy, 2).toCompletableFuture().get()).isEqualTo(2L);
  }

  /**
   * An event the serializer cannot write (Jackson throws a checked exception for text that is not
   * Unicode) is rejected to its entity alone. It used to escape the journal actor's handling of
   * runtime exceptions and restart the journal; the entity then waited for an answer that never
   * came and answered nothing for good.
   */
  @Test
  void anEventThatCannotBeSerializedIsRejectedAndItsEntityGoesOn() throws Exception {
    String id = "noter-" + UUID.randomUUID();
    ActorRef<Note> noter =
        system.systemActorOf(
            Behaviors.supervise(new Noter(id)).onFailure(SupervisorStrategy.restart()),
            "journal-test-" + UUID.randomUUID(),
            Props.empty());
    CompletableFuture<Integer> rejected =
        note(noter, "half a pair: \ud800", Duration.ofSeconds(3)).toCompletableFuture();
    await().atMost(TIMEOUT).until(rejected::isDone);
    assertThat(rejected).isCompletedExceptionally();
    assertThat(note(noter, "whole", TIMEOUT).toCompletableFuture().get()).isEqualTo(1);
    ActorRef<Append> other = spawn("after-noter-" + id, "after-noter");
    assertThat(append(other, 1).toCompletableFuture().get()).isEqualTo(1L);
  }

  static CompletionStage<Integer> note(ActorRef<Note> noter, String text, Duration timeout) {
    return AskPattern.ask(noter, r -> new Note(text, r), timeout, system.scheduler());
  }

  public record Note(String text, ActorRef<Integer> replyTo) implements CborSerializable {}

  public record Noted(String text) implements CborSerializable {}

  /** Persists each note and replies with the number of notes kept. */
  static final class Noter extends EventSourcedBehavior<Note, Noted, Integer> {
    Noter(String id) {
      super(PersistenceId.of("JournalTest", id));
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public CommandHandler<Note, Noted, Integer> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Note.class,
              (state, note) ->
                  Effect().persist(new Noted(note.text())).thenReply(note.replyTo(), s -> s))
          .build();
    }

    @Override
    public EventHandler<Integer, Noted> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Noted.class, (state, event) -> state + 1)
          .build();
    }
  }

  static ActorRef<Append> spawn(String id, String tag) {
    return system.systemActorOf(
        new Counter(id, tag), "journal-test-" + UUID.randomUUID(), Props.empty());
  }

  static CompletionStage<Long> append(ActorRef<Append> entity, int events) {
    return AskPattern.ask(entity, r -> new Append(events, r), TIMEOUT, system.scheduler());
  }

  static List<long[]> rows(Connection db, String sql, String parameter) throws SQLException {
    try (PreparedStatement query = db.prepareStatement(sql)) {
      query.setString(1, parameter);
      List<long[]> rows = new ArrayList<>();
      try (ResultSet result = query.executeQuery()) {
        while (result.next()) rows.add(new long[] {result.getLong(1), result.getLong(2)});
      }
      return rows;
    }
  }

  /** Appends {@code events} events in one write and replies with the number of events so far. */
  public record Append(int events, ActorRef<Long> replyTo) implements CborSerializable {}

  public record Appended(long number) implements CborSerializable {}

  public record Count(long value) implements CborSerializable {}

  static final class Counter extends EventSourcedBehavior<Append, Appended, Count> {
    private final String tag;

    Counter(String id, String tag) {
      super(PersistenceId.of("JournalTest", id));
      this.tag = tag;
    }

    @Override
    public Count emptyState() {
      return new Count(0);
    }

    @Override
    public CommandHandler<Append, Appended, Count> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Append.class,
              (state, append) ->
                  append.events() == 0
                      ? Effect().reply(append.replyTo(), state.value())
                      : Effect()
                          .persist(numbered(state.value() + 1, append.events()))
                          .thenReply(append.replyTo(), Count::value))
          .build();
    }

    @Override
    public EventHandler<Count, Appended> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Appended.class, (state, event) -> new Count(event.number()))
          .build();
    }

    @Override
    public Set<String> tagsFor(Appended event) {
      return event.number() % 2 == 1 ? Set.of(tag) : Set.of();
    }
  }

  static List<Appended> numbered(long first, int count) {
    List<Appended> events = new ArrayList<>();
    for (long n = first; n < first + count; n++) events.add(new Appended(n));
    return events;
  }
}
