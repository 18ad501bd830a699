package io.scp.node.testing;

import com.typesafe.config.ConfigFactory;
import io.scp.persistence.EmbeddedDatabase;
import io.scp.persistence.Migrations;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/** One real embedded PostgreSQL per test JVM, migrated, stopped when the JVM exits. */
public final class TestDatabase {
  private static EmbeddedDatabase database;

  private TestDatabase() {}

  public static synchronized EmbeddedDatabase get() {
    if (database == null) {
      Path dir = Path.of("target", "test-pg", UUID.randomUUID().toString());
      database = EmbeddedDatabase.start(dir, 0);
      var config = ConfigFactory.load();
      Migrations.apply(
          database.jdbcUrl(), config.getString("scp.db.user"), config.getString("scp.db.password"));
      Runtime.getRuntime().addShutdownHook(new Thread(database::close, "test-db-shutdown"));
    }
    return database;
  }

  public static Connection connect() throws SQLException {
    var config = ConfigFactory.load();
    return DriverManager.getConnection(
        get().jdbcUrl(), config.getString("scp.db.user"), config.getString("scp.db.password"));
  }
}
