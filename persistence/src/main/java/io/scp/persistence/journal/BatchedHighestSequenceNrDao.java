package io.scp.persistence.journal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import slick.dbio.DBIOAction;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * The pekko-persistence-jdbc journal DAO, with the highest sequence number every starting entity
 * asks for read for many entities at once ({@link HighestSequenceNumbers}). Replay and deletion are
 * the plugin's; writes do not come here at all ({@link BatchingJdbcJournal}).
 */
public class BatchedHighestSequenceNrDao extends DefaultJournalDao {

  /** Per persistence id the highest sequence number of any of its rows, deleted or not. */
  private static final String HIGHEST_SEQUENCE_NUMBERS =
      "SELECT ids.persistence_id, (SELECT j.sequence_number FROM event_journal j"
          + " WHERE j.persistence_id = ids.persistence_id"
          + " ORDER BY j.sequence_number DESC LIMIT 1)"
          + " FROM unnest(?::varchar[]) AS ids(persistence_id)";

  private final HighestSequenceNumbers highest = new HighestSequenceNumbers(this::readHighest);

  public BatchedHighestSequenceNrDao(
      JdbcBackend.JdbcDatabaseDef db,
      JdbcProfile profile,
      JournalConfig journalConfig,
      Serialization serialization,
      ExecutionContext ec,
      Materializer mat) {
    super(db, profile, journalConfig, serialization, ec, mat);
  }

  /**
   * A Scala {@code Future[Long]}, as the plugin declares it. Like the plugin's own query, the
   * highest of all the persistence id's rows: {@code fromSequenceNr} does not narrow it.
   */
  @Override
  public Future<Object> highestSequenceNr(String persistenceId, long fromSequenceNr) {
    return highest.of(persistenceId);
  }

  private Future<Map<String, Long>> readHighest(Collection<String> persistenceIds) {
    return run(
        SimpleJdbcAction.apply(
            context -> {
              try {
                return highestSequenceNumbers(context.connection(), persistenceIds);
              } catch (SQLException e) {
                throw new JournalStatementException("highest sequence numbers read", e);
              }
            }));
  }

  /**
   * Scala's {@code DBIOAction} is contravariant in its effect type, which Java's generics cannot
   * express: the action goes to Slick untyped.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private <T> Future<T> run(SimpleJdbcAction<T> action) {
    return (Future<T>) db().run((DBIOAction) action);
  }

  private static Map<String, Long> highestSequenceNumbers(
      Connection connection, Collection<String> persistenceIds) throws SQLException {
    Map<String, Long> highest = new HashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(HIGHEST_SEQUENCE_NUMBERS)) {
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
