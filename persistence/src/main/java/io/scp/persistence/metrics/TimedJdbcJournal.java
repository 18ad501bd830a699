package io.scp.persistence.metrics;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The pekko-persistence-jdbc journal, timed: every batch of writes the journal actor hands over is
 * measured until PostgreSQL has committed it (or the write failed). Configured as the class of
 * {@code jdbc-journal} in persistence.conf.
 */
public final class TimedJdbcJournal extends JdbcAsyncWriteJournal {
  private final NodeMetrics metrics;

  public TimedJdbcJournal(Config config) {
    super(config);
    this.metrics = NodeMetrics.get(Adapter.toTyped(context().system()));
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    int events = 0;
    for (AtomicWrite write : CollectionConverters.asJava(messages)) {
      events += write.size();
    }
    int written = events;
    Future<Seq<Try<BoxedUnit>>> result = super.asyncWriteMessages(messages);
    // Recorded on the completing thread: no hop to another executor per write.
    result.onComplete(
        outcome -> {
          metrics.journalWrite(System.nanoTime() - start, written, outcome.isFailure());
          return BoxedUnit.UNIT;
        },
        ExecutionContext.parasitic$.MODULE$);
    return result;
  }
}
