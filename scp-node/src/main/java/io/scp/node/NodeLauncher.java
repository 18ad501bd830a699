package io.scp.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.scp.api.support.ApiTokens;
import io.scp.persistence.DatabaseUrls;
import io.scp.persistence.EmbeddedDatabase;
import io.scp.persistence.Migrations;
import io.scp.persistence.ShardLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles the configuration, the database and the node, and ties their shutdown together. */
final class NodeLauncher {
  private static final Logger log = LoggerFactory.getLogger(NodeLauncher.class);

  private NodeLauncher() {}

  static int run() {
    Config base = ConfigFactory.load();
    Optional<String> refusal = refuseUnprotectedBind(base).or(() -> refuseBadPorts(base));
    if (refusal.isPresent()) {
      System.err.println(refusal.get());
      return 2;
    }
    Optional<EmbeddedDatabase> embedded = Optional.empty();
    String jdbcUrl = base.getString("scp.db.url");
    if (jdbcUrl.isBlank()) {
      EmbeddedDatabase db =
          EmbeddedDatabase.start(
              Path.of(base.getString("scp.data-dir")).resolve("pg"), base.getInt("scp.db.port"));
      embedded = Optional.of(db);
      jdbcUrl = DatabaseUrls.forNode(db.jdbcUrl());
    } else {
      jdbcUrl = DatabaseUrls.forNode(jdbcUrl);
    }
    log.info("database {}", DatabaseUrls.redacted(jdbcUrl));
    Migrations.apply(jdbcUrl, base.getString("scp.db.user"), base.getString("scp.db.password"));
    Optional<String> layoutRefusal = checkShardLayout(base, jdbcUrl);
    if (layoutRefusal.isPresent()) {
      System.err.println(layoutRefusal.get());
      embedded.ifPresent(EmbeddedDatabase::close);
      return 2;
    }

    Config config = withSeedNodes(withJdbcUrl(jdbcUrl));
    ScpNode node;
    try {
      node = ScpNode.start(config);
    } catch (ScpNode.StartFailed e) {
      // A port in use: one line, no stack trace, exit status 1 (returned before the terminating
      // system could end the JVM with 0); the database stops once the node's pools have closed.
      System.err.println("scp-node: " + e.getMessage());
      closeAfter(e.terminated(), embedded);
      return 1;
    } catch (RuntimeException e) {
      // A setting of the wrong type, before any actor system ran: no database left either.
      System.err.println("scp-node: " + e.getMessage());
      embedded.ifPresent(EmbeddedDatabase::close);
      return 1;
    }
    // The journal must flush before the database goes away.
    closeAfter(node.system().getWhenTerminated(), embedded);
    node.awaitTermination();
    return 0;
  }

  /** Stops the embedded database at the JVM's exit, once {@code terminated} (at most 30 s). */
  private static void closeAfter(CompletionStage<?> terminated, Optional<EmbeddedDatabase> db) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    terminated.toCompletableFuture().get(30, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    log.warn("node did not terminate in time: {}", e.toString());
                  }
                  db.ifPresent(EmbeddedDatabase::close);
                },
                "scp-shutdown"));
  }

  /** Without tokens the API must stay on loopback; anything else is refused at start-up. */
  static Optional<String> refuseUnprotectedBind(Config config) {
    ApiTokens tokens;
    try {
      tokens = ApiTokens.parse(config.getString("scp.api-tokens"));
    } catch (IllegalArgumentException e) {
      return Optional.of("scp-node: " + e.getMessage());
    }
    String host = config.getString("scp.http.host");
    if (!tokens.enabled() && !isLoopback(host)) {
      return Optional.of(
          "scp-node: refusing to serve the API on "
              + host
              + " without authentication. Set SCP_API_TOKENS=operator=...,frontend=... "
              + "or bind to 127.0.0.1.");
    }
    return Optional.empty();
  }

  /** Every port must be a number from 0 to 65535, before anything starts. */
  static Optional<String> refuseBadPorts(Config config) {
    for (String path :
        List.of(
            "scp.http.port",
            "scp.db.port",
            "pekko.management.http.port",
            "pekko.remote.artery.canonical.port")) {
      try {
        int port = config.getInt(path);
        if (port < 0 || port > 65_535) {
          return Optional.of("scp-node: " + path + " must be a port from 0 to 65535, not " + port);
        }
      } catch (ConfigException e) {
        return Optional.of("scp-node: " + path + " must be a port number: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The database must have been used with the configured number of shards (or with none yet). */
  static Optional<String> checkShardLayout(Config config, String jdbcUrl) {
    try {
      return ShardLayout.check(
          jdbcUrl,
          config.getString("scp.db.user"),
          config.getString("scp.db.password"),
          config.getInt("pekko.cluster.sharding.number-of-shards"));
    } catch (SQLException e) {
      return Optional.of(
          "scp-node: cannot check the shard layout in the database: " + e.getMessage());
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Config withJdbcUrl(String jdbcUrl) {
    return ConfigFactory.load(
        ConfigFactory.parseMap(java.util.Map.of("scp.db.jdbc-url", jdbcUrl))
            .withFallback(ConfigFactory.defaultApplication()));
  }

  /** SCP_SEED_NODES is host:port,...; each becomes a pekko address of the "scp" system. */
  private static Config withSeedNodes(Config config) {
    String seeds = Optional.ofNullable(System.getenv("SCP_SEED_NODES")).orElse("").trim();
    if (seeds.isEmpty()) return config;
    List<String> addresses =
        Arrays.stream(seeds.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .map(s -> "pekko://" + ScpNode.SYSTEM_NAME + "@" + s)
            .toList();
    return config.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
  }
}
