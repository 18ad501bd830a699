package io.scp.persistence.journal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of events from many entities — and their tags — written as <em>one</em> statement over
 * arrays ({@code INSERT … SELECT FROM unnest(…)}), whose text never changes, so PostgreSQL plans it
 * once. One statement is one implicit transaction: the events and their tags commit together or not
 * at all.
 *
 * <p>The plugin's own write inserts row by row, one round trip each, whenever a batch holds a
 * tagged event (it needs every row's generated {@code ordering} for the tag rows) — and nearly
 * every batch does, since every call's closing event is tagged for the CDR read model. Here the tag
 * rows find their event's ordering in what the same statement returns.
 */
final class JournalRowsInsert {

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

  private JournalRowsInsert() {}

  /**
   * Inserts the rows, in their order: a persistence id's events get increasing orderings as long as
   * they come in sequence-number order. Commits before returning.
   */
  static void insert(Connection connection, List<JournalRow> rows) throws SQLException {
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
      JournalRow row = rows.get(i);
      persistenceIds[i] = row.persistenceId();
      sequenceNumbers[i] = row.sequenceNumber();
      deleted[i] = false;
      writers[i] = row.writer();
      timestamps[i] = row.writeTimestamp();
      adapterManifests[i] = row.adapterManifest();
      serializerIds[i] = row.serializerId();
      serializerManifests[i] = row.serializerManifest();
      payloads[i] = row.payload();
      for (String tag : row.tags()) {
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
      // Pooled connections come in auto-commit mode; should one ever come without, the write is
      // still only done once committed.
      if (!connection.getAutoCommit()) connection.commit();
    }
  }
}
