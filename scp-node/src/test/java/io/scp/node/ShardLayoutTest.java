package io.scp.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.scp.node.testing.TestDatabase;
import io.scp.persistence.DatabaseUrls;
import io.scp.persistence.Migrations;
import io.scp.persistence.ShardLayout;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A database remembers the number of shards it was used with; a node with another number is refused
 * until the layout is reset. Runs in a database of its own (reset drops remember stores).
 */
class ShardLayoutTest {
  private static final Config CONFIG = ConfigFactory.load();
  private static String url;

  @BeforeAll
  static void ownDatabase() throws SQLException {
    try (Connection c = TestDatabase.connect();
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS shard_layout_test");
      s.execute("CREATE DATABASE shard_layout_test");
    }
    url = TestDatabase.get().jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/shard_layout_test$1");
    Migrations.apply(url, user(), password());
  }

  @Test
  void theFirstNodeRecordsItsNumberAndAnotherNumberIsRefusedUntilReset() throws SQLException {
    Config configured =
        CONFIG.withValue(
            "pekko.cluster.sharding.number-of-shards", ConfigValueFactory.fromAnyRef(32));
    assertThat(NodeLauncherAccess.shardLayoutRefusal(configured, url)).isEmpty();
    assertThat(ShardLayout.check(url, user(), password(), 32)).isEmpty();

    Config changed =
        CONFIG.withValue(
            "pekko.cluster.sharding.number-of-shards", ConfigValueFactory.fromAnyRef(64));
    assertThat(NodeLauncherAccess.shardLayoutRefusal(changed, url))
        .hasValueSatisfying(
            refusal ->
                assertThat(refusal)
                    .contains("number-of-shards is 64")
                    .contains("used with 32")
                    .contains("scp-node reset-shard-layout"));

    insertEvent("/sharding/PrepaidAccountShard/7", 1);
    insertEvent("/sharding/PrepaidAccountCoordinator", 1);
    insertEvent("PrepaidAccount|acc-1", 1);
    assertThat(ShardLayout.reset(url, user(), password())).isEqualTo(2);
    assertThat(persistenceIds()).containsExactly("PrepaidAccount|acc-1");

    assertThat(NodeLauncherAccess.shardLayoutRefusal(changed, url)).isEmpty();
    assertThat(ShardLayout.check(url, user(), password(), 32)).isPresent();
  }

  @Test
  void connectionsOfRunningNodesAreSeenSoAResetCanBeRefused() throws SQLException {
    assertThat(ShardLayout.nodeConnections(url, user(), password())).isZero();
    try (Connection node =
        DriverManager.getConnection(DatabaseUrls.forNode(url), user(), password())) {
      assertThat(node.isValid(5)).isTrue();
      assertThat(ShardLayout.nodeConnections(url, user(), password())).isEqualTo(1);
      assertThat(ShardLayout.nodeConnections(DatabaseUrls.forNode(url), user(), password()))
          .as("its own connection does not count")
          .isEqualTo(1);
    }
    assertThat(ShardLayout.nodeConnections(url, user(), password())).isZero();
    assertThat(DatabaseUrls.forNode("jdbc:postgresql://h/db?ApplicationName=mine"))
        .isEqualTo("jdbc:postgresql://h/db?ApplicationName=mine&reWriteBatchedInserts=true");
  }

  private static void insertEvent(String persistenceId, long sequenceNr) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user(), password());
        var insert =
            c.prepareStatement(
                "INSERT INTO event_journal (persistence_id, sequence_number, writer,"
                    + " event_ser_id, event_ser_manifest, event_payload)"
                    + " VALUES (?, ?, 'test', 1, '', '\\x00')")) {
      insert.setString(1, persistenceId);
      insert.setLong(2, sequenceNr);
      insert.executeUpdate();
    }
  }

  private static List<String> persistenceIds() throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, user(), password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT persistence_id FROM event_journal")) {
      while (rs.next()) ids.add(rs.getString(1));
    }
    return ids;
  }

  private static String user() {
    return CONFIG.getString("scp.db.user");
  }

  private static String password() {
    return CONFIG.getString("scp.db.password");
  }
}
