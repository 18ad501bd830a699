package io.scp.persistence.journal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.concurrent.Future$;
import scala.concurrent.Promise;
import scala.runtime.BoxedUnit;

/**
 * The highest sequence number every starting entity asks the journal for, read for many entities in
 * one query.
 *
 * <p>An entity created per request — every call — starts with this question before its first
 * command, so under load the node asked PostgreSQL about a thousand single-row questions a second,
 * each its own round trip through Slick and its own transaction. Here one read is in flight at a
 * time; the entities that ask meanwhile wait for the next one, which answers them all (the same way
 * the journal's writes are batched).
 *
 * <p>An entity that asks joins the next read that has not yet started, so the answer reflects every
 * write committed before it asked — which is all the journal needs (it asks only once the entity's
 * own writes in flight are done). Two entities with the same persistence id share the answer.
 */
final class HighestSequenceNumbers {

  /** Runs a read of the given persistence ids' highest sequence numbers on a connection. */
  interface Reader {
    Future<Map<String, Long>> read(Collection<String> persistenceIds);
  }

  /** Per persistence id the highest sequence number of any of its rows, deleted or not. */
  static final String QUERY =
      "SELECT ids.persistence_id, (SELECT j.sequence_number FROM event_journal j"
          + " WHERE j.persistence_id = ids.persistence_id"
          + " ORDER BY j.sequence_number DESC LIMIT 1)"
          + " FROM unnest(?::varchar[]) AS ids(persistence_id)";

  private final Reader reader;
  private Map<String, Promise<Object>> waiting = new HashMap<>();
  private boolean reading;

  HighestSequenceNumbers(Reader reader) {
    this.reader = reader;
  }

  /**
   * The highest sequence number of the persistence id (a Scala {@code Future[Long]}), 0 if none.
   */
  Future<Object> of(String persistenceId) {
    Promise<Object> answer;
    boolean start;
    synchronized (this) {
      answer = waiting.computeIfAbsent(persistenceId, id -> Promise.apply());
      start = !reading;
      reading = true;
    }
    if (start) readWaiting();
    return answer.future();
  }

  private void readWaiting() {
    Map<String, Promise<Object>> batch;
    synchronized (this) {
      if (waiting.isEmpty()) {
        reading = false;
        return;
      }
      batch = waiting;
      waiting = new HashMap<>();
    }
    Future<Map<String, Long>> read;
    try {
      read = reader.read(batch.keySet());
    } catch (RuntimeException e) {
      read = Future$.MODULE$.failed(e);
    }
    read.onComplete(
        result -> {
          if (result.isSuccess()) {
            Map<String, Long> highest = result.get();
            batch.forEach((id, answer) -> answer.success(highest.getOrDefault(id, 0L)));
          } else {
            batch.values().forEach(answer -> answer.failure(result.failed().get()));
          }
          readWaiting();
          return BoxedUnit.UNIT;
        },
        ExecutionContext.parasitic$.MODULE$);
  }

  /** The query itself, on a connection the caller holds. */
  static Map<String, Long> query(Connection connection, Collection<String> persistenceIds)
      throws SQLException {
    Map<String, Long> highest = new HashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(QUERY)) {
      Array ids = connection.createArrayOf("varchar", persistenceIds.toArray(String[]::new));
      statement.setArray(1, ids);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          long sequenceNumber = rows.getLong(2);
          if (!rows.wasNull()) highest.put(rows.getString(1), sequenceNumber);
        }
      }
    }
    return highest;
  }
}
