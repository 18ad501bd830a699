package io.scp.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server started from the binaries that come as a Maven artifact. Its data
 * directory survives restarts, and it commits synchronously: an acknowledged write is on disk.
 *
 * <p>The server runs as a process of its own, so it outlives a node that is killed ({@code kill
 * -9}) and would keep its data directory from the node's restart. The node holds a lock next to the
 * data directory while it lives (the operating system drops it when the process dies, however it
 * dies): a node that gets the lock knows that a server still running on the directory was left by a
 * dead node, stops it and starts its own; a node that does not get it refuses to start, as another
 * live node uses the directory.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
  private static final Duration ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedPostgres postgres;
  private final FileChannel ownerLock;

  /** Another live process holds the data directory: a start-up refusal, not a crash. */
  public static final class DirectoryInUse extends IllegalStateException {
    DirectoryInUse(String message) {
      super(message);
    }
  }

  private EmbeddedDatabase(EmbeddedPostgres postgres, FileChannel ownerLock) {
    this.postgres = postgres;
    this.ownerLock = ownerLock;
  }

  /**
   * Starts PostgreSQL on {@code dataDir} (created and initialised when empty).
   *
   * @param port the TCP port on 127.0.0.1, or 0 for any free port
   */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    FileChannel ownerLock = null;
    try {
      Files.createDirectories(dataDir);
      ownerLock = lockOwnership(dataDir);
      stopOrphan(dataDir);
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
      return new EmbeddedDatabase(postgres, ownerLock);
    } catch (IOException | RuntimeException e) {
      closeQuietly(ownerLock);
      if (e instanceof RuntimeException r) throw r;
      throw new UncheckedIOException(
          "could not start the embedded PostgreSQL in " + dataDir, (IOException) e);
    }
  }

  private static FileChannel lockOwnership(Path dataDir) throws IOException {
    Path lockFile = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process: a second database on one directory
    }
    if (lock == null) {
      channel.close();
      throw new DirectoryInUse(
          "the data directory "
              + dataDir
              + " is in use by another running node (it holds "
              + lockFile
              + "); give this node its own SCP_DATA_DIR");
    }
    return channel;
  }

  /**
   * Stops the server a killed node left running on {@code dataDir}: the process named in its {@code
   * postmaster.pid}, if that process is a PostgreSQL server of this directory.
   */
  private static void stopOrphan(Path dataDir) {
    Path pidFile = dataDir.resolve("postmaster.pid");
    long pid;
    try {
      if (!Files.exists(pidFile)) return;
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return; // unreadable: PostgreSQL itself judges a stale pid file when it starts
    }
    ProcessHandle.of(pid)
        .filter(p -> servesDirectory(p, dataDir))
        .ifPresent(
            orphan -> {
              log.warn(
                  "stopping the embedded PostgreSQL (pid {}) that a node which died left running on {}",
                  pid,
                  dataDir);
              orphan.destroy(); // SIGTERM: PostgreSQL's smart shutdown; its clients are gone
              try {
                orphan.onExit().get(ORPHAN_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (Exception e) {
                orphan.destroyForcibly(); // it recovers from its WAL at the next start
                orphan.onExit().join();
              }
            });
  }

  private static boolean servesDirectory(ProcessHandle process, Path dataDir) {
    String commandLine = process.info().commandLine().orElse("");
    return commandLine.contains("postgres")
        && commandLine.contains(dataDir.toAbsolutePath().normalize().toString());
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) return;
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing the data directory's lock: {}", e.getMessage());
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
    } finally {
      closeQuietly(ownerLock);
    }
  }
}
