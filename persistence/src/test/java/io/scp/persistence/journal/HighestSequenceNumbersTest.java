package io.scp.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import scala.concurrent.Future;
import scala.concurrent.Promise;

/**
 * The batching of the starting entities' questions, against a reader whose reads finish when the
 * test says (the query itself runs on PostgreSQL in JournalBatchWriteTest).
 */
class HighestSequenceNumbersTest {

  /** Records the ids of every read and leaves it in flight until finished. */
  static final class HeldReader implements HighestSequenceNumbers.Reader {
    final List<Set<String>> reads = new ArrayList<>();
    final List<Promise<Map<String, Long>>> inFlight = new ArrayList<>();

    @Override
    public synchronized Future<Map<String, Long>> read(Collection<String> ids) {
      reads.add(Set.copyOf(ids));
      Promise<Map<String, Long>> done = Promise.apply();
      inFlight.add(done);
      return done.future();
    }
  }

  static Object answer(Future<Object> future) {
    assertThat(future.isCompleted()).isTrue();
    return future.value().get().get();
  }

  @Test
  void whoAsksWhileAReadIsInFlightIsAnsweredByTheNextReadTogether() {
    HeldReader reader = new HeldReader();
    var highest = new HighestSequenceNumbers(reader);

    Future<Object> a = highest.of("a");
    Future<Object> b = highest.of("b");
    Future<Object> c = highest.of("c");
    Future<Object> bAgain = highest.of("b");
    assertThat(reader.reads).containsExactly(Set.of("a"));

    reader.inFlight.get(0).success(Map.of("a", 7L));
    assertThat(answer(a)).isEqualTo(7L);
    assertThat(reader.reads).containsExactly(Set.of("a"), Set.of("b", "c"));
    assertThat(b.isCompleted()).isFalse();

    // "c" has no events: its answer is 0
    reader.inFlight.get(1).success(Map.of("b", 3L));
    assertThat(answer(b)).isEqualTo(3L);
    assertThat(answer(bAgain)).isEqualTo(3L);
    assertThat(answer(c)).isEqualTo(0L);

    // nobody waiting: the next question starts a read of its own at once
    Future<Object> d = highest.of("d");
    assertThat(reader.reads).last().isEqualTo(Set.of("d"));
    reader.inFlight.get(2).success(Map.of("d", 1L));
    assertThat(answer(d)).isEqualTo(1L);
  }

  @Test
  void aFailedReadFailsEveryoneInItAndTheNextReadStillGoes() {
    HeldReader reader = new HeldReader();
    var highest = new HighestSequenceNumbers(reader);
    highest.of("a");
    Future<Object> b = highest.of("b");
    Future<Object> c = highest.of("c");
    reader.inFlight.get(0).success(Map.of());

    Future<Object> d = highest.of("d");
    reader.inFlight.get(1).failure(new IllegalStateException("refused"));
    assertThat(b.value().get().failed().get()).hasMessage("refused");
    assertThat(c.value().get().failed().get()).hasMessage("refused");

    assertThat(reader.reads).last().isEqualTo(Set.of("d"));
    reader.inFlight.get(2).success(Map.of("d", 4L));
    assertThat(answer(d)).isEqualTo(4L);
  }

  @Test
  void aReaderThatThrowsFailsItsQuestionsInsteadOfTheCaller() {
    var highest =
        new HighestSequenceNumbers(
            ids -> {
              throw new IllegalStateException("no connection");
            });
    assertThat(highest.of("a").value().get().failed().get()).hasMessage("no connection");
    assertThat(highest.of("b").value().get().failed().get())
        .as("the next question gets a read of its own")
        .hasMessage("no connection");
  }
}
