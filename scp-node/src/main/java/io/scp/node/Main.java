package io.scp.node;

import com.typesafe.config.ConfigFactory;
import io.scp.persistence.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;

/** The {@code scp-node} command line: a node by default, {@code db} for only the database. */
@Command(
    name = "scp-node",
    mixinStandardHelpOptions = true,
    // The environment table's lines are up to 100 characters: wider than picocli's default 80,
    // which would wrap them to column 0.
    usageHelpWidth = 110,
    version = "scp-node 0.1.0",
    description = {
      "Starts an scp Service Control Point node: Pekko cluster member, HTTP API, management endpoints.",
      "Without SCP_DB_URL it runs its own embedded PostgreSQL with data under SCP_DATA_DIR."
    },
    subcommands = {DbCommand.class, ResetShardLayoutCommand.class, HelpCommand.class},
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  SCP_HTTP_HOST         API address (default 127.0.0.1; another address needs SCP_API_TOKENS)",
      "  SCP_HTTP_PORT         API port (default 8080)",
      "  SCP_MANAGEMENT_PORT   Pekko Management port: /ready, /alive, /cluster/members (default 8558)",
      "  SCP_REMOTE_PORT       cluster remoting port (default 25520)",
      "  SCP_HOSTNAME          address other nodes reach this one at (default 127.0.0.1)",
      "  SCP_SEED_NODES        host:port,... remoting addresses to join; empty forms a new cluster",
      "  SCP_DATA_DIR          data of the embedded PostgreSQL (default ./data)",
      "  SCP_DB_URL            JDBC URL of an external PostgreSQL; no embedded database then",
      "  SCP_DB_USER           database user (default postgres)",
      "  SCP_DB_PASSWORD       database password",
      "  SCP_DB_PORT           port of the embedded PostgreSQL (db command: default 5433)",
      "  SCP_API_TOKENS        operator=TOKEN,frontend=TOKEN; enables bearer-token authentication",
      "  SCP_LOG_LEVEL         ERROR, WARN, INFO, DEBUG, TRACE or OFF (default INFO)",
      "",
      "Any scp.* setting can also be given as a JVM system property, e.g.",
      "  java -Dscp.prepaid.reservation-ttl=300s -jar scp-node.jar"
    })
public final class Main implements Callable<Integer> {

  @Option(
      names = "--config",
      paramLabel = "NAME|FILE",
      description =
          "Start from this configuration instead of application.conf: local1, local2, local3"
              + " (a local three-node cluster) or a HOCON file. SCP_* variables and -D"
              + " properties still override it.")
  String config;

  public static void main(String[] args) {
    Optional<String> badLevel = LogLevel.configure(System.getenv("SCP_LOG_LEVEL"));
    if (badLevel.isPresent()) {
      System.err.println("scp-node: " + badLevel.get());
      System.exit(2);
    }
    CommonPoolParallelism.ensureAtLeastTwo();
    StopSignals.exitCleanly();
    int exit =
        new CommandLine(new Main())
            .setExecutionExceptionHandler(
                (e, command, parsed) -> {
                  if (!(e instanceof EmbeddedDatabase.DirectoryInUse)) throw e;
                  command.getErr().println("scp-node: " + e.getMessage());
                  return 2;
                })
            .execute(args);
    if (exit != 0) System.exit(exit);
  }

  @Override
  public Integer call() {
    if (config != null && !useConfig(config)) {
      System.err.println(
          "scp-node: --config " + config + ": neither a file nor a bundled configuration");
      return 2;
    }
    return NodeLauncher.run();
  }

  /** Same as -Dconfig.file or -Dconfig.resource, which Typesafe Config reads on every load. */
  static boolean useConfig(String nameOrFile) {
    if (Files.isRegularFile(Path.of(nameOrFile))) {
      System.setProperty("config.file", nameOrFile);
    } else {
      String resource = nameOrFile.endsWith(".conf") ? nameOrFile : nameOrFile + ".conf";
      if (Main.class.getClassLoader().getResource(resource) == null) return false;
      System.setProperty("config.resource", resource);
    }
    ConfigFactory.invalidateCaches();
    return true;
  }
}
