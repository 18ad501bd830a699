package io.scp.persistence.journal;

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

  /** Reads the given persistence ids' highest sequence numbers; ids without events are left out. */
  interface Reader {
    Future<Map<String, Long>> read(Collection<String> persistenceIds);
  }

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
}
