package io.scp.persistence.journal;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the events of many entities in batches, on threads of its own: while a batch commits, the
 * writes that arrive wait, and the thread that committed it takes them all as the next batch (up to
 * a number of events). With one slot a busy node commits a few large batches rather than many small
 * ones.
 *
 * <p>Nothing is handed from thread to thread on the way but the write itself: the journal actor
 * queues it here, a writer thread — woken only if it was idle — writes it and completes it, and
 * completing it tells the entity. (The plugin's own path crossed its write queue's stream, Slick's
 * task queue, two future callbacks and the journal's resequencer actor, each a wake-up of another
 * thread, for every event.)
 */
final class JournalWriter {
  private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);

  /**
   * One entity's write: its persistence id (null for a write without rows), its rows, and what to
   * do once they are committed (called with null) or have failed — on the writer thread.
   */
  record Write(String persistenceId, List<JournalRow> rows, Consumer<Throwable> whenDone) {}

  /** Writes one batch's rows; returns once they are committed, throws if they are not. */
  interface BatchStatement {
    void write(List<JournalRow> rows) throws Exception;
  }

  private final BatchStatement statement;
  private final int slots;
  private final int maxBatchEvents;
  private final ExecutorService threads;
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  private final ArrayDeque<Write> pending = new ArrayDeque<>();

  /** Writes taken and not yet done, per persistence id. */
  private final Map<String, Integer> unfinished = new HashMap<>();

  private final Map<String, List<Runnable>> waitingForWrites = new HashMap<>();
  private int busySlots;
  private boolean closed;

  JournalWriter(BatchStatement statement, int slots, int maxBatchEvents, String threadName) {
    if (slots < 1 || maxBatchEvents < 1) {
      throw new IllegalArgumentException("a journal writer needs a slot and room for an event");
    }
    this.statement = statement;
    this.slots = slots;
    this.maxBatchEvents = maxBatchEvents;
    AtomicInteger threadNumber = new AtomicInteger();
    this.threads =
        Executors.newFixedThreadPool(
            slots,
            work -> {
              Thread thread = new Thread(work, threadName + "-" + threadNumber.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Takes a write: it goes into the next batch. */
  void write(Write write) {
    boolean wake;
    boolean refused;
    synchronized (this) {
      refused = closed;
      if (refused) {
        wake = false;
      } else {
        pending.add(write);
        if (write.persistenceId() != null) {
          unfinished.merge(write.persistenceId(), 1, Integer::sum);
        }
        wake = busySlots < slots;
        if (wake) busySlots++;
      }
    }
    if (refused) {
      write.whenDone().accept(new IllegalStateException("the journal writer is closed"));
    } else if (wake) {
      threads.execute(this::drain);
    }
  }

  /**
   * Runs {@code then} once every write of the persistence id taken so far is done, and answers
   * true; answers false, without running it, when none is unfinished. A replay must not start
   * before the entity's own writes in flight are done, or it would miss them.
   */
  boolean deferUntilWritten(String persistenceId, Runnable then) {
    synchronized (this) {
      if (!unfinished.containsKey(persistenceId)) return false;
      waitingForWrites.computeIfAbsent(persistenceId, id -> new ArrayList<>()).add(then);
      return true;
    }
  }

  /** Takes no more writes; the ones already taken are still written. Completes once they are. */
  CompletionStage<Void> close() {
    boolean idle;
    synchronized (this) {
      closed = true;
      idle = busySlots == 0;
    }
    threads.shutdown();
    if (idle) drained.complete(null);
    return drained;
  }

  private void drain() {
    while (true) {
      List<Write> batch = new ArrayList<>();
      boolean lastOut;
      synchronized (this) {
        int events = 0;
        while (!pending.isEmpty()
            && (batch.isEmpty() || events + pending.peek().rows().size() <= maxBatchEvents)) {
          Write write = pending.poll();
          events += write.rows().size();
          batch.add(write);
        }
        if (batch.isEmpty()) busySlots--;
        lastOut = batch.isEmpty() && closed && busySlots == 0;
      }
      if (batch.isEmpty()) {
        if (lastOut) drained.complete(null);
        return;
      }
      Throwable failure = writeRows(batch);
      if (failure != null && batch.size() > 1 && refusedARow(failure)) {
        // The batch is one statement: one row the database refuses fails every entity's write
        // in it. Alone, each write fails only for its own rows.
        for (Write write : batch) completeQuietly(write, writeRows(List.of(write)));
      } else {
        for (Write write : batch) completeQuietly(write, failure);
      }
      for (Runnable waiting : finished(batch)) waiting.run();
    }
  }

  /** A completion that throws must not stop the writer: every later write would hang. */
  private static void completeQuietly(Write write, Throwable failure) {
    try {
      write.whenDone().accept(failure);
    } catch (RuntimeException e) {
      log.error("completing a journal write of {} failed", write.persistenceId(), e);
    }
  }

  private Throwable writeRows(List<Write> batch) {
    List<JournalRow> rows = new ArrayList<>();
    for (Write write : batch) rows.addAll(write.rows());
    if (rows.isEmpty()) return null;
    try {
      statement.write(rows);
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  /**
   * Whether the database refused a row's content (SQLSTATE class 22, data exception, e.g. a value
   * too long; class 23, integrity constraint violation, e.g. a sequence number an older incarnation
   * of the entity already wrote) rather than failed to write at all: only then is a retry of each
   * write on its own worth it — after a lost connection it would wait out the timeout once per
   * write.
   */
  static boolean refusedARow(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        for (SQLException e = sql; e != null; e = e.getNextException()) {
          String state = e.getSQLState();
          if (state != null && (state.startsWith("22") || state.startsWith("23"))) return true;
        }
      }
    }
    return false;
  }

  /** Marks the batch's writes done; answers what waited for them. */
  private synchronized List<Runnable> finished(List<Write> batch) {
    List<Runnable> ready = new ArrayList<>();
    for (Write write : batch) {
      String id = write.persistenceId();
      if (id == null) continue;
      if (unfinished.merge(id, -1, Integer::sum) == 0) {
        unfinished.remove(id);
        List<Runnable> waiting = waitingForWrites.remove(id);
        if (waiting != null) ready.addAll(waiting);
      }
    }
    return ready;
  }
}
