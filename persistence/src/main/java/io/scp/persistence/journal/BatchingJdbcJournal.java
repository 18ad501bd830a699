package io.scp.persistence.journal;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.scp.persistence.ConnectionPools;
import io.scp.persistence.metrics.NodeMetrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.NonPersistentRepr;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.PartialFunction;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * The pekko-persistence-jdbc journal with a write path of its own. An entity's write goes from this
 * actor straight to a {@link JournalWriter}, whose thread writes the events of many entities as one
 * statement ({@link JournalRowsInsert}) and tells each entity its outcome itself. Replay, deletion
 * and the highest sequence numbers stay the plugin's ({@link BatchedHighestSequenceNrDao}), on the
 * plugin's Slick pool; writes have their own connections ({@code parallelism} of them, one per
 * batch in flight), so they never queue behind the recoveries of a node that has just taken over a
 * dead one's entities.
 *
 * <p>Replies are those of Pekko's {@code AsyncWriteJournal}, in its order: {@code
 * WriteMessagesSuccessful} (or {@code WriteMessagesFailed}), then one per event. An event that
 * cannot be serialized is rejected with the rest of its atomic write; the other writes go on. A
 * replay asked for while the entity's own writes are unfinished waits for them.
 *
 * <p>Event adapters (which the SCP does not configure) and event metadata are not supported: the
 * journal refuses to start with adapters, and rejects a write with metadata.
 */
public final class BatchingJdbcJournal extends JdbcAsyncWriteJournal {
  private final Serialization serialization = SerializationExtension.get(context().system());
  private final NodeMetrics metrics = NodeMetrics.get(Adapter.toTyped(context().system()));
  private final HikariDataSource connections;
  private final JournalWriter writer;

  public BatchingJdbcJournal(Config config) {
    super(config);
    if (config.hasPath("event-adapters") && !config.getConfig("event-adapters").isEmpty()) {
      throw new IllegalStateException("BatchingJdbcJournal applies no event adapters");
    }
    int writers = config.getInt("parallelism");
    Config nodeConfig = context().system().settings().config();
    // The plugin's own database settings: the writer waits for a connection as long as it does.
    long connectionTimeoutMillis =
        nodeConfig
            .getConfig(
                "pekko-persistence-jdbc.shared-databases." + config.getString("use-shared-db"))
            .getDuration("db.connectionTimeout", TimeUnit.MILLISECONDS);
    long statementTimeoutMillis =
        config.getDuration("circuit-breaker.call-timeout", TimeUnit.MILLISECONDS);
    connections =
        writerConnections(nodeConfig, writers, connectionTimeoutMillis, statementTimeoutMillis);
    writer =
        new JournalWriter(
            rows -> {
              try (Connection connection = connections.getConnection()) {
                JournalRowsInsert.insert(connection, rows);
              } catch (SQLException e) {
                throw new JournalStatementException("batch write", e);
              }
            },
            writers,
            config.getInt("batchSize"),
            "scp-journal-writer");
  }

  @Override
  public void aroundReceive(PartialFunction<Object, BoxedUnit> receive, Object message) {
    if (message instanceof JournalProtocol.WriteMessages write) {
      write(write);
    } else if (message instanceof JournalProtocol.ReplayMessages replay
        && writer.deferUntilWritten(
            replay.persistenceId(), replayLater(replay, sender(), self()))) {
      // Asked again once the entity's writes are done.
    } else {
      super.aroundReceive(receive, message);
    }
  }

  private static Runnable replayLater(Object replay, ActorRef sender, ActorRef journal) {
    return () -> journal.tell(replay, sender);
  }

  @Override
  public void postStop() {
    super.postStop();
    writer
        .close()
        .thenRunAsync(connections::close, work -> new Thread(work, "scp-journal-close").start());
  }

  private void write(JournalProtocol.WriteMessages request) {
    long received = System.nanoTime();
    long now = System.currentTimeMillis();
    List<PersistentEnvelope> envelopes = CollectionConverters.asJava(request.messages());
    List<Throwable> rejections = new ArrayList<>();
    List<JournalRow> rows = new ArrayList<>();
    String persistenceId = null;
    for (PersistentEnvelope envelope : envelopes) {
      if (envelope instanceof AtomicWrite atomic) {
        persistenceId = atomic.persistenceId();
        try {
          List<JournalRow> atomicRows = new ArrayList<>();
          for (PersistentRepr event : CollectionConverters.asJava(atomic.payload())) {
            atomicRows.add(row(event, now));
          }
          rows.addAll(atomicRows);
          rejections.add(null);
        } catch (Exception e) {
          // Not only runtime exceptions: Scala's Try.get rethrows the serializer's checked ones
          // (Jackson's JsonMappingException). Escaping, one would restart the journal actor and
          // leave every writer of this request waiting for an answer forever.
          rejections.add(e);
        }
      }
    }
    ActorRef journal = self();
    writer.write(
        new JournalWriter.Write(
            rows.isEmpty() ? null : persistenceId,
            rows,
            failure -> {
              if (!rows.isEmpty()) {
                metrics.journalWrite(System.nanoTime() - received, rows.size(), failure != null);
              }
              reply(request, rejections, failure, journal);
            }));
  }

  /** What {@code AsyncWriteJournal} answers, in its order; rejected atomic writes stay rejected. */
  private static void reply(
      JournalProtocol.WriteMessages request,
      List<Throwable> rejections,
      Throwable failure,
      ActorRef journal) {
    ActorRef entity = request.persistentActor();
    int instance = request.actorInstanceId();
    entity.tell(
        failure == null
            ? JournalProtocol.WriteMessagesSuccessful$.MODULE$
            : new JournalProtocol.WriteMessagesFailed(failure, rejections.size()),
        journal);
    int atomicWrites = 0;
    for (PersistentEnvelope envelope : CollectionConverters.asJava(request.messages())) {
      if (envelope instanceof AtomicWrite atomic) {
        Throwable rejected = rejections.get(atomicWrites++);
        for (PersistentRepr event : CollectionConverters.asJava(atomic.payload())) {
          Object outcome =
              rejected != null
                  ? new JournalProtocol.WriteMessageRejected(event, rejected, instance)
                  : failure != null
                      ? new JournalProtocol.WriteMessageFailure(event, failure, instance)
                      : new JournalProtocol.WriteMessageSuccess(event, instance);
          entity.tell(outcome, event.sender());
        }
      } else if (envelope instanceof NonPersistentRepr loop) {
        entity.tell(
            new JournalProtocol.LoopMessageSuccess(loop.payload(), instance), loop.sender());
      }
    }
  }

  private JournalRow row(PersistentRepr event, long writeTimestamp) {
    if (event.metadata().isDefined()) {
      throw new UnsupportedOperationException("the journal does not store event metadata");
    }
    Object payload = event.payload();
    Set<String> tags = Set.of();
    if (payload instanceof Tagged tagged) {
      payload = tagged.payload();
      tags = CollectionConverters.asJava(tagged.tags());
    }
    Serializer serializer = serialization.findSerializerFor(payload);
    return new JournalRow(
        event.persistenceId(),
        event.sequenceNr(),
        event.writerUuid(),
        writeTimestamp,
        event.manifest(),
        serializer.identifier(),
        Serializers.manifestFor(serializer, payload),
        serialization.serialize(payload).get(),
        tags);
  }

  private static HikariDataSource writerConnections(
      Config nodeConfig, int size, long connectionTimeoutMillis, long statementTimeoutMillis) {
    HikariConfig pool = ConnectionPools.toNodeDatabase(nodeConfig, "scp-journal-writer", size);
    pool.setMinimumIdle(size);
    pool.setConnectionTimeout(connectionTimeoutMillis);
    // The server cancels a write that hangs. (The driver's own query timeout would arm a timer
    // thread for every batch: a wake-up each, ~3 % of the node's CPU at 8 callers.)
    pool.setConnectionInitSql("SET statement_timeout = " + statementTimeoutMillis);
    return new HikariDataSource(pool);
  }
}
