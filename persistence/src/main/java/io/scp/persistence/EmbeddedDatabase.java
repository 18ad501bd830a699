package io.scp.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started from the binaries that come as a Maven artifact. Its data
 * directory survives restarts, and it commits synchronously: an acknowledged write is on disk.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on {@code dataDir} (created and initialised when empty).
   *
   * @param port the TCP port on 127.0.0.1, or 0 for any free port
   */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      var builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("fsync", "on")
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("max_connections", "200")
              .setServerConfig("shared_buffers", "256MB");
      if (port > 0) builder.setPort(port);
      EmbeddedPostgres postgres = builder.start();
      log.info("embedded PostgreSQL on port {} with data in {}", postgres.getPort(), dataDir);
      return new EmbeddedDatabase(postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDir, e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** JDBC URL of the {@code postgres} database, tuned for batched journal writes. */
  public String jdbcUrl() {
    return DatabaseUrls.tuned("jdbc:postgresql://127.0.0.1:" + port() + "/postgres");
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
    }
  }
}
