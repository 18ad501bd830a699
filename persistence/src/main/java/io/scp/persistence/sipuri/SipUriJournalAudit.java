package io.scp.persistence.sipuri;

import com.typesafe.config.Config;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.function.Procedure;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The exclusivity audit of a SIP-URI pool from the journal only: replays {@code SipUriPool|poolId}
 * with the configured JDBC read journal ({@code currentEventsByPersistenceId}, the plugin the CDR
 * projection reads), then the journal of the slot of every URI the pool ever allocated, and hands
 * the events to {@link SipUriExclusivity}. No entity is asked, so the audit neither wakes the pool
 * nor changes anything.
 *
 * <p>The read journal queries the database through its own connection pool and threads (Slick's),
 * nothing here blocks; the replay itself runs on {@code scp-sip-uri-audit-dispatcher}, so a large
 * audit leaves the default dispatcher to the entities. Slot journals are read {@code
 * scp.sip-uri.audit-parallelism} at a time, at most {@link #MAX_RUNNING} audits run at once per
 * node (more are refused with a {@link RejectedExecutionException}), and an audit that takes longer
 * than {@code scp.sip-uri.audit-timeout} is cancelled and fails with a {@link TimeoutException}.
 *
 * <p>The audit relies on events never being deleted (the pools and slots snapshot without deleting
 * events).
 */
public final class SipUriJournalAudit {
  static final String DISPATCHER = "scp-sip-uri-audit-dispatcher";
  static final int MAX_RUNNING = 2;

  private final JdbcReadJournal journal;
  private final Materializer materializer;
  private final int parallelism;
  private final Duration timeout;
  private final Semaphore running = new Semaphore(MAX_RUNNING);

  public SipUriJournalAudit(ActorSystem<?> system) {
    this.journal =
        PersistenceQuery.get(system.classicSystem())
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    this.materializer = Materializer.matFromSystem(system);
    Config config = system.settings().config().getConfig("scp.sip-uri");
    this.parallelism = config.getInt("audit-parallelism");
    this.timeout = config.getDuration("audit-timeout");
  }

  /** The report, or empty when the pool's journal has no event (no such pool). */
  public CompletionStage<Optional<SipUriExclusivity.Report>> audit(String poolId) {
    if (!running.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new RejectedExecutionException(MAX_RUNNING + " SIP-URI audits are running already"));
    }
    try {
      // The permit is returned when the streams have stopped, a timed-out audit included.
      Instant deadline = Instant.now().plus(timeout);
      return run(poolId, deadline)
          .thenCompose(report -> finishedBy(deadline, report))
          .whenComplete((report, failure) -> running.release());
    } catch (RuntimeException e) {
      running.release();
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<Optional<SipUriExclusivity.Report>> run(String poolId, Instant deadline) {
    SipUriExclusivity check = new SipUriExclusivity(poolId);
    return replay(
            events(PersistenceId.of(SipUriPool.KEY.name(), poolId)),
            e -> check.pool(e.ordering(), e.event()),
            deadline)
        .thenCompose(
            done -> {
              if (check.poolEvents() == 0) {
                return CompletableFuture.completedFuture(Optional.empty());
              }
              Source<Pair<String, List<SipUriExclusivity.Entry<Object>>>, NotUsed> slots =
                  Source.from(check.allocatedUris())
                      .flatMapMerge(
                          parallelism,
                          uri ->
                              events(PersistenceId.of(SipUriSlot.KEY.name(), uri))
                                  .fold(
                                      new ArrayList<SipUriExclusivity.Entry<Object>>(),
                                      SipUriJournalAudit::add)
                                  .map(entries -> Pair.create(uri, List.copyOf(entries))));
              return replay(slots, p -> check.slot(p.first(), p.second()), deadline)
                  .thenApply(finished -> Optional.of(check.report()));
            });
  }

  /**
   * The streams' own timeout fires on the scheduler's tick, so an audit can end a little past its
   * deadline without being cut off; it is late all the same.
   */
  private static <T> CompletionStage<T> finishedBy(Instant deadline, T report) {
    return Instant.now().isAfter(deadline)
        ? CompletableFuture.failedFuture(new TimeoutException("the audit took too long"))
        : CompletableFuture.completedFuture(report);
  }

  /**
   * Runs {@code source} into {@code step} on the audit's dispatcher; past {@code deadline} the
   * stream is cancelled and fails with a {@link java.util.concurrent.TimeoutException}.
   */
  private <T> CompletionStage<Done> replay(
      Source<T, NotUsed> source, Procedure<T> step, Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    if (left.isNegative() || left.isZero()) {
      return CompletableFuture.failedFuture(new TimeoutException("the audit took too long"));
    }
    return source
        .completionTimeout(left)
        .toMat(Sink.foreach(step), Keep.right())
        .withAttributes(ActorAttributes.dispatcher(DISPATCHER))
        .run(materializer);
  }

  private static ArrayList<SipUriExclusivity.Entry<Object>> add(
      ArrayList<SipUriExclusivity.Entry<Object>> all, SipUriExclusivity.Entry<Object> entry) {
    all.add(entry);
    return all;
  }

  /** Every event of one journal in order, with its global ordering. */
  private Source<SipUriExclusivity.Entry<Object>, NotUsed> events(PersistenceId id) {
    return journal
        .currentEventsByPersistenceId(id.id(), 0L, Long.MAX_VALUE)
        .map(SipUriJournalAudit::entry);
  }

  private static SipUriExclusivity.Entry<Object> entry(EventEnvelope envelope) {
    if (!(envelope.offset() instanceof Sequence ordering)) {
      throw new IllegalStateException(
          "the read journal gave offset " + envelope.offset() + ", not the journal ordering");
    }
    return new SipUriExclusivity.Entry<>(ordering.value(), envelope.event());
  }
}
