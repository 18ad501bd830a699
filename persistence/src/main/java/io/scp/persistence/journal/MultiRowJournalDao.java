package io.scp.persistence.journal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables.JournalPekkoSerializationRow;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;
import slick.dbio.DBIOAction;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * The pekko-persistence-jdbc journal DAO with its write path replaced: a batch of events from many
 * entities — and their tags — goes to PostgreSQL as <em>one</em> statement over arrays ({@code
 * INSERT … SELECT FROM unnest(…)}), with a fixed text so the server plans it once.
 *
 * <p>The plugin's own write inserts row by row, one round trip each, whenever a batch holds a
 * tagged event (it needs every row's generated {@code ordering} for the tag rows) — and nearly
 * every batch does, since every call's closing event is tagged for the CDR read model. One
 * statement is also one implicit transaction: the events and their tags commit together or not at
 * all, as before.
 *
 * <p>The highest sequence number every starting entity asks for is read for many entities at once
 * ({@link HighestSequenceNumbers}).
 *
 * <p>Everything else — serialization, the queue that batches writes across entities, replay,
 * deletion — is the plugin's. Rows carrying event metadata (which the SCP never writes) go the
 * plugin's way.
 */
public class MultiRowJournalDao extends DefaultJournalDao {

  private static final String EVENT_COLUMNS =
      "persistence_id, sequence_number, deleted, writer, write_timestamp, adapter_manifest,"
          + " event_ser_id, event_ser_manifest, event_payload";

  private static final String EVENTS =
      "SELECT * FROM unnest(?::varchar[], ?::bigint[], ?::boolean[], ?::varchar[], ?::bigint[],"
          + " ?::varchar[], ?::integer[], ?::varchar[], ?::bytea[])";

  private static final String INSERT_EVENTS =
      "INSERT INTO event_journal (" + EVENT_COLUMNS + ") " + EVENTS;

  /** Tags find their event's generated ordering by (persistence id, sequence number). */
  private static final String INSERT_EVENTS_AND_TAGS =
      "WITH written AS (INSERT INTO event_journal ("
          + EVENT_COLUMNS
          + ") "
          + EVENTS
          + " RETURNING ordering, persistence_id, sequence_number)"
          + " INSERT INTO event_tag (event_id, tag)"
          + " SELECT written.ordering, tags.tag FROM written"
          + " JOIN unnest(?::varchar[], ?::bigint[], ?::varchar[]) AS tags(persistence_id,"
          + " sequence_number, tag)"
          + " ON tags.persistence_id = written.persistence_id"
          + " AND tags.sequence_number = written.sequence_number";

  /** Per persistence id the highest sequence number of any of its rows, deleted or not. */
  private static final String HIGHEST_SEQUENCE_NUMBERS =
      "SELECT ids.persistence_id, (SELECT j.sequence_number FROM event_journal j"
          + " WHERE j.persistence_id = ids.persistence_id"
          + " ORDER BY j.sequence_number DESC LIMIT 1)"
          + " FROM unnest(?::varchar[]) AS ids(persistence_id)";

  private final HighestSequenceNumbers highest = new HighestSequenceNumbers(this::readHighest);

  public MultiRowJournalDao(
      JdbcBackend.JdbcDatabaseDef db,
      JdbcProfile profile,
      JournalConfig journalConfig,
      Serialization serialization,
      ExecutionContext ec,
      Materializer mat) {
    super(db, profile, journalConfig, serialization, ec, mat);
  }

  @Override
  public Future<BoxedUnit> writeJournalRows(
      Seq<Tuple2<JournalPekkoSerializationRow, Set<String>>> batch) {
    List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows =
        new ArrayList<>(CollectionConverters.asJava(batch));
    if (rows.stream().anyMatch(row -> row._1().metaPayload().isDefined())) {
      return super.writeJournalRows(batch);
    }
    // As the plugin does: a persistence id's events get increasing orderings.
    rows.sort(Comparator.comparingLong(row -> row._1().sequenceNumber()));
    SimpleJdbcAction<BoxedUnit> write =
        SimpleJdbcAction.apply(
            context -> {
              insert(context.connection(), rows);
              return BoxedUnit.UNIT;
            });
    return run(write);
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

  private static void insert(
      Connection connection, List<Tuple2<JournalPekkoSerializationRow, Set<String>>> rows) {
    int n = rows.size();
    String[] persistenceIds = new String[n];
    Long[] sequenceNumbers = new Long[n];
    Boolean[] deleted = new Boolean[n];
    String[] writers = new String[n];
    Long[] timestamps = new Long[n];
    String[] adapterManifests = new String[n];
    Integer[] serializerIds = new Integer[n];
    String[] serializerManifests = new String[n];
    byte[][] payloads = new byte[n][];
    List<String> tagIds = new ArrayList<>();
    List<Long> tagSequenceNumbers = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JournalPekkoSerializationRow row = rows.get(i)._1();
      persistenceIds[i] = row.persistenceId();
      sequenceNumbers[i] = row.sequenceNumber();
      deleted[i] = row.deleted();
      writers[i] = row.writer();
      timestamps[i] = row.writeTimestamp();
      adapterManifests[i] = row.adapterManifest();
      serializerIds[i] = row.eventSerId();
      serializerManifests[i] = row.eventSerManifest();
      payloads[i] = row.eventPayload();
      for (String tag : CollectionConverters.asJava(rows.get(i)._2())) {
        tagIds.add(row.persistenceId());
        tagSequenceNumbers.add(row.sequenceNumber());
        tags.add(tag);
      }
    }
    String sql = tags.isEmpty() ? INSERT_EVENTS : INSERT_EVENTS_AND_TAGS;
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setArray(1, connection.createArrayOf("varchar", persistenceIds));
      statement.setArray(2, connection.createArrayOf("int8", sequenceNumbers));
      statement.setArray(3, connection.createArrayOf("bool", deleted));
      statement.setArray(4, connection.createArrayOf("varchar", writers));
      statement.setArray(5, connection.createArrayOf("int8", timestamps));
      statement.setArray(6, connection.createArrayOf("varchar", adapterManifests));
      statement.setArray(7, connection.createArrayOf("int4", serializerIds));
      statement.setArray(8, connection.createArrayOf("varchar", serializerManifests));
      statement.setArray(9, connection.createArrayOf("bytea", payloads));
      if (!tags.isEmpty()) {
        statement.setArray(10, connection.createArrayOf("varchar", tagIds.toArray(String[]::new)));
        statement.setArray(
            11, connection.createArrayOf("int8", tagSequenceNumbers.toArray(Long[]::new)));
        statement.setArray(12, connection.createArrayOf("varchar", tags.toArray(String[]::new)));
      }
      statement.executeUpdate();
      // Slick hands out connections in auto-commit mode; should one ever come without, the
      // write is still only done once committed.
      if (!connection.getAutoCommit()) connection.commit();
    } catch (SQLException e) {
      throw new JournalStatementException("batch write", e);
    }
  }

  /**
   * A statement PostgreSQL refused; every entity whose events or question were in it is told its
   * write or recovery failed.
   */
  static final class JournalStatementException extends RuntimeException {
    JournalStatementException(String what, SQLException cause) {
      super("journal " + what + " failed: " + cause.getMessage(), cause);
    }
  }
}
