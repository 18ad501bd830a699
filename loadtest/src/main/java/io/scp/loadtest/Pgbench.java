package io.scp.loadtest;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs pgbench's built-in TPC-B-like transaction against the PostgreSQL under test. */
public final class Pgbench {
  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");

  public record Result(int clients, double tps, double latencyMs, String command) {}

  private final Path binary;
  private final String host;
  private final int port;

  public Pgbench(Path binary, String jdbcUrl) {
    this.binary = binary;
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    this.host = uri.getHost();
    this.port = uri.getPort();
  }

  /** pgbench on PATH or from a PostgreSQL server package. */
  public static Path locate() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "pgbench");
      if (Files.isExecutable(candidate)) return candidate;
    }
    try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions
          .map(v -> v.resolve("bin/pgbench"))
          .filter(Files::isExecutable)
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "pgbench not found; install postgresql (Debian) first"));
    } catch (IOException e) {
      throw new IllegalStateException("pgbench not found; install postgresql (Debian) first", e);
    }
  }

  public void initialise(int scale) throws Exception {
    run(List.of("-i", "-s", Integer.toString(scale), "-q"));
  }

  public Result run(int clients, int seconds) throws Exception {
    List<String> args =
        List.of("-c", Integer.toString(clients), "-j", "2", "-T", Integer.toString(seconds));
    String out = run(args);
    Matcher tps = TPS.matcher(out);
    Matcher latency = LATENCY.matcher(out);
    if (!tps.find()) throw new IllegalStateException("pgbench printed no tps:\n" + out);
    return new Result(
        clients,
        Double.parseDouble(tps.group(1)),
        latency.find() ? Double.parseDouble(latency.group(1)) : Double.NaN,
        "pgbench -h "
            + host
            + " -p "
            + port
            + " -U postgres "
            + String.join(" ", args)
            + " postgres");
  }

  private String run(List<String> args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(binary.toString(), "-h", host, "-p", Integer.toString(port), "-U", "postgres"));
    command.addAll(args);
    command.add("postgres");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0)
      throw new IllegalStateException("pgbench failed:\n" + out);
    return out;
  }
}
