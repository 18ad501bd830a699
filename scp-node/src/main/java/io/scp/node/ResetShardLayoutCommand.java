package io.scp.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.scp.persistence.DatabaseUrls;
import io.scp.persistence.EmbeddedDatabase;
import io.scp.persistence.Migrations;
import io.scp.persistence.ShardLayout;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Lets a stopped cluster start again with another number of shards. */
@Command(
    name = "reset-shard-layout",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 110,
    header = "Lets a stopped cluster start again with another number of shards.",
    description = {
      "With EVERY node of the cluster stopped: forgets the number of shards the database was used",
      "with and which entities the shards remember, so that the nodes can start with another",
      "pekko.cluster.sharding.number-of-shards. Remembered entities then start on first use.",
      "Uses SCP_DB_URL, or the embedded PostgreSQL under SCP_DATA_DIR."
    })
final class ResetShardLayoutCommand implements Callable<Integer> {

  @Override
  public Integer call() throws SQLException {
    Config config = ConfigFactory.load();
    String user = config.getString("scp.db.user");
    String password = config.getString("scp.db.password");
    String url = config.getString("scp.db.url");
    if (!url.isBlank()) return reset(DatabaseUrls.tuned(url), user, password);
    try (EmbeddedDatabase db =
        EmbeddedDatabase.start(
            Path.of(config.getString("scp.data-dir")).resolve("pg"),
            config.getInt("scp.db.port"))) {
      return reset(db.jdbcUrl(), user, password);
    }
  }

  private static int reset(String jdbcUrl, String user, String password) throws SQLException {
    Migrations.apply(jdbcUrl, user, password);
    int running = ShardLayout.nodeConnections(jdbcUrl, user, password);
    if (running > 0) {
      System.err.println(
          "scp-node: "
              + running
              + " connections of running scp nodes are open on this database; stop every node of"
              + " the cluster first (nothing was changed)");
      return 2;
    }
    int dropped = ShardLayout.reset(jdbcUrl, user, password);
    System.out.println(
        "shard layout reset: "
            + dropped
            + " remember-entities events dropped; the next node to start records its number of"
            + " shards");
    return 0;
  }
}
