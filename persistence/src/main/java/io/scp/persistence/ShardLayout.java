package io.scp.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The number of shards per entity type is part of the data: the remember-entities stores name their
 * entities by shard. A database records the number its first node ran with, and a node configured
 * with another number is refused at start, before it could restart a remembered entity in its old
 * shard while the entity's messages go to its new one (two incarnations, two writers).
 */
public final class ShardLayout {
  /** Persistence ids of the remember-entities stores of Pekko sharding (coordinator and shards). */
  static final String REMEMBER_STORES = "/sharding/%";

  private ShardLayout() {}

  /**
   * Records {@code numberOfShards} if the database has no number yet; a refusal to start if it has
   * another one.
   */
  public static Optional<String> check(
      String jdbcUrl, String user, String password, int numberOfShards) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
      try (PreparedStatement record =
          c.prepareStatement(
              "INSERT INTO scp_shard_layout (id, number_of_shards) VALUES (1, ?)"
                  + " ON CONFLICT (id) DO NOTHING")) {
        record.setInt(1, numberOfShards);
        record.executeUpdate();
      }
      int recorded;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT number_of_shards FROM scp_shard_layout")) {
        rs.next();
        recorded = rs.getInt(1);
      }
      if (recorded == numberOfShards) return Optional.empty();
      return Optional.of(
          "scp-node: pekko.cluster.sharding.number-of-shards is "
              + numberOfShards
              + " but this database was used with "
              + recorded
              + ". Start with "
              + recorded
              + ", or stop every node and run `scp-node reset-shard-layout` first"
              + " (docs/operations.md, \"Number of shards\").");
    }
  }

  /**
   * Connections of running nodes to this database (named {@link DatabaseUrls#NODE_APPLICATION}),
   * besides the caller's own: a reset under a running cluster would drop the remember-entities
   * stores its shards still write to.
   */
  public static int nodeConnections(String jdbcUrl, String user, String password)
      throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
        PreparedStatement count =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = ? AND pid <> pg_backend_pid()")) {
      count.setString(1, DatabaseUrls.NODE_APPLICATION);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /**
   * Forgets the recorded number and every remember-entities store; only with every node stopped.
   * Remembered entities then start on first use. Returns how many journal rows were dropped.
   */
  public static int reset(String jdbcUrl, String user, String password) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
      c.setAutoCommit(false);
      int dropped;
      try (PreparedStatement journal =
              c.prepareStatement("DELETE FROM event_journal WHERE persistence_id LIKE ?");
          PreparedStatement snapshots =
              c.prepareStatement("DELETE FROM snapshot WHERE persistence_id LIKE ?");
          Statement layout = c.createStatement()) {
        journal.setString(1, REMEMBER_STORES);
        dropped = journal.executeUpdate();
        snapshots.setString(1, REMEMBER_STORES);
        snapshots.executeUpdate();
        layout.executeUpdate("DELETE FROM scp_shard_layout");
      }
      c.commit();
      return dropped;
    }
  }
}
