package io.scp.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The journal writer's batching, against a statement that commits when the test says (the statement
 * itself runs on PostgreSQL in JournalBatchWriteTest).
 */
class JournalWriterTest {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Records every batch and holds it until released; fails batches holding a "bad" row. */
  static final class HeldStatement implements JournalWriter.BatchStatement {
    final List<List<String>> batches = new ArrayList<>();
    final Semaphore releases = new Semaphore(0);

    @Override
    public void write(List<JournalRow> rows) throws Exception {
      synchronized (this) {
        batches.add(rows.stream().map(JournalRow::persistenceId).toList());
      }
      releases.acquire();
      if (rows.stream().anyMatch(row -> row.persistenceId().equals("bad"))) {
        throw new IllegalStateException("refused");
      }
      if (rows.stream().anyMatch(row -> row.persistenceId().equals("too-long"))) {
        // what PostgreSQL says of a value longer than its column
        throw new SQLException("value too long for type character varying(255)", "22001");
      }
    }

    synchronized List<List<String>> batches() {
      return List.copyOf(batches);
    }

    void awaitBatches(int count) {
      await().atMost(TIMEOUT).until(() -> batches().size() == count);
    }
  }

  /** A write of {@code events} rows of one persistence id, and its outcome: a failure or null. */
  static final class TestWrite {
    final CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    final JournalWriter.Write write;

    TestWrite(String persistenceId, int events) {
      write =
          new JournalWriter.Write(persistenceId, rows(persistenceId, events), outcome::complete);
    }

    static List<JournalRow> rows(String persistenceId, int events) {
      List<JournalRow> rows = new ArrayList<>();
      for (int n = 1; n <= events; n++) {
        rows.add(new JournalRow(persistenceId, n, "w", 0, "", 1, "", new byte[0], Set.of()));
      }
      return rows;
    }

    Throwable awaitOutcome() {
      await().atMost(TIMEOUT).until(outcome::isDone);
      return outcome.join();
    }
  }

  final HeldStatement statement = new HeldStatement();
  JournalWriter writer = new JournalWriter(statement, 1, 400, "test-writer");

  @AfterEach
  void stopWriter() {
    statement.releases.release(1_000); // lets any batch still held finish, so the thread ends
    writer.close();
  }

  void write(TestWrite write) {
    writer.write(write.write);
  }

  /** Writes {@code first} and waits until its batch is held in the statement. */
  void holdFirstBatch(TestWrite first) {
    write(first);
    statement.awaitBatches(1);
  }

  @Test
  void writesArrivingWhileABatchCommitsGoTogetherInTheNext() {
    TestWrite first = new TestWrite("a", 1);
    holdFirstBatch(first);

    List<TestWrite> meanwhile = List.of(new TestWrite("b", 2), new TestWrite("c", 1));
    meanwhile.forEach(this::write);
    assertThat(first.outcome).isNotDone();
    statement.releases.release();
    assertThat(first.awaitOutcome()).isNull();

    statement.awaitBatches(2);
    assertThat(statement.batches().get(1)).containsExactly("b", "b", "c");
    assertThat(meanwhile.get(0).outcome).isNotDone();
    statement.releases.release();
    for (TestWrite write : meanwhile) assertThat(write.awaitOutcome()).isNull();
    assertThat(statement.batches()).hasSize(2);
  }

  @Test
  void aBatchHoldsAtMostTheMostEventsButAWriteLargerThanThatStillGoesAlone() {
    writer = new JournalWriter(statement, 1, 5, "test-writer");
    holdFirstBatch(new TestWrite("first", 1));

    List<TestWrite> queued =
        List.of(
            new TestWrite("a", 2),
            new TestWrite("b", 2),
            new TestWrite("c", 2),
            new TestWrite("huge", 7),
            new TestWrite("d", 1));
    queued.forEach(this::write);
    statement.releases.release(5);
    for (TestWrite write : queued) assertThat(write.awaitOutcome()).isNull();
    assertThat(statement.batches())
        .containsExactly(
            List.of("first"),
            List.of("a", "a", "b", "b"),
            List.of("c", "c"),
            List.of("huge", "huge", "huge", "huge", "huge", "huge", "huge"),
            List.of("d"));
  }

  @Test
  void aRefusedBatchFailsEveryWriteInItAndTheWriterGoesOn() {
    holdFirstBatch(new TestWrite("first", 1));
    TestWrite bad = new TestWrite("bad", 1);
    TestWrite besideIt = new TestWrite("good", 1);
    write(bad);
    write(besideIt);
    statement.releases.release(2);
    assertThat(bad.awaitOutcome()).hasMessage("refused");
    assertThat(besideIt.awaitOutcome()).hasMessage("refused");

    TestWrite after = new TestWrite("after", 1);
    write(after);
    statement.releases.release();
    assertThat(after.awaitOutcome()).isNull();
  }

  /**
   * A row the database refuses (its content, not the connection) fails only its own write: the
   * batch's other writes are written again one by one and succeed.
   */
  @Test
  void aRowTheDatabaseRefusesFailsOnlyItsOwnWrite() {
    holdFirstBatch(new TestWrite("first", 1));
    TestWrite refused = new TestWrite("too-long", 1);
    List<TestWrite> beside = List.of(new TestWrite("good-1", 2), new TestWrite("good-2", 1));
    write(refused);
    beside.forEach(this::write);
    statement.releases.release(10);
    assertThat(refused.awaitOutcome()).isInstanceOf(SQLException.class);
    for (TestWrite write : beside) assertThat(write.awaitOutcome()).isNull();
    assertThat(statement.batches())
        .containsExactly(
            List.of("first"),
            List.of("too-long", "good-1", "good-1", "good-2"),
            List.of("too-long"),
            List.of("good-1", "good-1"),
            List.of("good-2"));
  }

  @Test
  void aCompletionThatThrowsDoesNotStopTheWriter() {
    statement.releases.release(2);
    writer.write(
        new JournalWriter.Write(
            "throwing",
            TestWrite.rows("throwing", 1),
            failure -> {
              throw new IllegalStateException("completion bug");
            }));
    TestWrite next = new TestWrite("next", 1);
    write(next);
    assertThat(next.awaitOutcome()).isNull();
  }

  @Test
  void aReplayWaitsForTheEntitysUnfinishedWritesOnly() {
    holdFirstBatch(new TestWrite("a", 1));
    write(new TestWrite("a", 1)); // queued behind the batch in flight

    AtomicInteger replaysOfA = new AtomicInteger();
    assertThat(writer.deferUntilWritten("a", replaysOfA::incrementAndGet)).isTrue();
    AtomicBoolean replayOfB = new AtomicBoolean();
    assertThat(writer.deferUntilWritten("b", () -> replayOfB.set(true))).isFalse();
    assertThat(replayOfB).isFalse();

    statement.releases.release(); // the first write of "a" is done, the second is not
    statement.awaitBatches(2);
    assertThat(replaysOfA).hasValue(0);
    statement.releases.release();
    await().atMost(TIMEOUT).until(() -> replaysOfA.get() == 1);
    assertThat(writer.deferUntilWritten("a", replaysOfA::incrementAndGet)).isFalse();
  }

  @Test
  void closingLetsTheWritesTakenFinishAndRefusesNewOnes() {
    TestWrite taken = new TestWrite("taken", 1);
    holdFirstBatch(taken);
    TestWrite queued = new TestWrite("queued", 1);
    write(queued);

    CompletionStage<Void> closed = writer.close();
    assertThat(closed.toCompletableFuture()).isNotDone();
    TestWrite late = new TestWrite("late", 1);
    write(late);
    assertThat(late.awaitOutcome()).isInstanceOf(IllegalStateException.class);

    statement.releases.release(2);
    assertThat(taken.awaitOutcome()).isNull();
    assertThat(queued.awaitOutcome()).isNull();
    await().atMost(TIMEOUT).until(() -> closed.toCompletableFuture().isDone());
    assertThat(statement.batches()).containsExactly(List.of("taken"), List.of("queued"));
  }

  @Test
  void twoSlotsWriteTwoBatchesAtOnce() {
    writer = new JournalWriter(statement, 2, 400, "test-writer");
    TestWrite a = new TestWrite("a", 1);
    TestWrite b = new TestWrite("b", 1);
    write(a);
    statement.awaitBatches(1);
    write(b);
    statement.awaitBatches(2);
    statement.releases.release(2);
    assertThat(a.awaitOutcome()).isNull();
    assertThat(b.awaitOutcome()).isNull();
  }
}
