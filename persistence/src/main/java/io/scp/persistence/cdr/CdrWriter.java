package io.scp.persistence.cdr;

import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a group of tagged events to the {@code cdr} table in the projection's transaction. A
 * {@code cdrId} that is already there is left as it is: an entity may close the same record twice
 * (a retried command after a crash), and the first record stands.
 */
final class CdrWriter extends JdbcHandler<List<EventEnvelope<Object>>, PooledJdbcSession> {
  private static final Logger log = LoggerFactory.getLogger(CdrWriter.class);

  static final String INSERT =
      "INSERT INTO cdr (cdr_id, type, charged_party, account_id, call_id, caller, called,"
          + " destination, on_net, decision, cause, started_at, answered_at, ended_at,"
          + " talk_seconds, billed_seconds, charge, shortfall)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (cdr_id) DO NOTHING";

  @Override
  public void process(PooledJdbcSession session, List<EventEnvelope<Object>> envelopes)
      throws Exception {
    List<Cdr> records = envelopes.stream().flatMap(e -> cdrOf(e).stream()).toList();
    if (records.isEmpty()) return;
    session.withConnection(
        connection -> {
          try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (Cdr cdr : records) {
              bind(insert, cdr);
              insert.addBatch();
            }
            insert.executeBatch();
          }
          return null;
        });
  }

  private static Optional<Cdr> cdrOf(EventEnvelope<Object> envelope) {
    if (envelope.event() instanceof CdrEvent event && complete(event.chargingRecord())) {
      return Optional.of(event.chargingRecord());
    }
    // Only events with a complete record may be tagged "cdr". Anything else is a bug to see in
    // the log, not a reason to hold back every record behind it.
    log.error(
        "event {} of {} is tagged {} but carries no complete CDR; skipped",
        envelope.event().getClass().getName(),
        envelope.persistenceId(),
        CdrEvent.TAG);
    return Optional.empty();
  }

  private static boolean complete(Cdr cdr) {
    return cdr != null
        && cdr.cdrId() != null
        && cdr.type() != null
        && cdr.chargedParty() != null
        && cdr.startedAt() != null
        && cdr.endedAt() != null;
  }

  private static void bind(PreparedStatement s, Cdr cdr) throws SQLException {
    s.setString(1, cdr.cdrId());
    s.setString(2, cdr.type().name());
    s.setString(3, cdr.chargedParty());
    s.setString(4, cdr.accountId().orElse(null));
    s.setString(5, cdr.callId().orElse(null));
    s.setString(6, cdr.caller().orElse(null));
    s.setString(7, cdr.called().orElse(null));
    s.setString(8, cdr.destination().orElse(null));
    s.setObject(9, cdr.onNet().orElse(null), Types.BOOLEAN);
    s.setString(10, cdr.decision().orElse(null));
    s.setString(11, cdr.cause().orElse(null));
    s.setObject(12, utc(cdr.startedAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    s.setObject(
        13, cdr.answeredAt().map(CdrWriter::utc).orElse(null), Types.TIMESTAMP_WITH_TIMEZONE);
    s.setObject(14, utc(cdr.endedAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    s.setLong(15, cdr.talkSeconds());
    s.setLong(16, cdr.billedSeconds());
    s.setLong(17, cdr.charge());
    s.setLong(18, cdr.shortfall());
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
