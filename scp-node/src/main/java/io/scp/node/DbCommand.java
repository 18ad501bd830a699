package io.scp.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.scp.persistence.EmbeddedDatabase;
import io.scp.persistence.Migrations;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** Runs only the embedded PostgreSQL, for a local cluster of several nodes. */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    usageHelpWidth = 110,
    header = "Runs only the embedded PostgreSQL and prints its SCP_DB_URL.",
    description = {
      "Runs only the embedded PostgreSQL (port SCP_DB_PORT, default 5433, data under SCP_DATA_DIR)",
      "and prints the SCP_DB_URL that nodes of a local cluster use. Ctrl-C stops it."
    })
final class DbCommand implements Callable<Integer> {
  static final int DEFAULT_PORT = 5433;

  @Override
  public Integer call() throws InterruptedException {
    Config config = ConfigFactory.load();
    int port = config.getInt("scp.db.port") > 0 ? config.getInt("scp.db.port") : DEFAULT_PORT;
    EmbeddedDatabase db =
        EmbeddedDatabase.start(Path.of(config.getString("scp.data-dir")).resolve("pg"), port);
    Migrations.apply(
        db.jdbcUrl(), config.getString("scp.db.user"), config.getString("scp.db.password"));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  db.close();
                  stopped.countDown();
                },
                "db-shutdown"));
    System.out.println("SCP_DB_URL=" + db.jdbcUrl());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
