package io.scp.loadtest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's heap as its {@code /metrics} shows it (Prometheus' JVM instrumentation), beside the live
 * entities it hosts; and a full collection of a local node's heap, so that what is left is what the
 * node holds on to.
 */
final class NodeHeap {
  private static final Pattern HEAP_USED =
      Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$");
  private static final Pattern ENTITIES =
      Pattern.compile("(?m)^scp_sharding_entities\\{entity_type=\"([^\"]+)\"} (\\S+)$");

  private NodeHeap() {}

  /** Heap in use and live entities by type at one scrape. */
  record Reading(long heapBytes, Map<String, Long> entities) {
    long entities(String type) {
      return entities.getOrDefault(type, 0L);
    }

    long allEntities() {
      return entities.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static Reading read(String nodeUrl) throws IOException, InterruptedException {
    String text = MetricsScrape.of(nodeUrl);
    Matcher heap = HEAP_USED.matcher(text);
    if (!heap.find()) throw new IllegalStateException(nodeUrl + "/metrics shows no heap in use");
    Map<String, Long> entities = new TreeMap<>();
    Matcher m = ENTITIES.matcher(text);
    while (m.find()) entities.put(m.group(1), Math.round(Double.parseDouble(m.group(2))));
    return new Reading(Math.round(Double.parseDouble(heap.group(1))), entities);
  }

  /**
   * A full collection of the node's heap ({@code jcmd <pid> GC.run}, i.e. {@code System.gc()}),
   * then a reading: the heap the node's live objects take.
   */
  static Reading afterFullCollection(long pid, String nodeUrl)
      throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process gc =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!gc.waitFor(120, TimeUnit.SECONDS) || gc.exitValue() != 0) {
      gc.destroyForcibly();
      throw new IllegalStateException(jcmd + " " + pid + " GC.run failed");
    }
    return read(nodeUrl);
  }

  /** The most heap in use seen while it runs: scrapes a node every {@code every}. */
  static final class Peak implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;

    Peak(String nodeUrl, Duration every) {
      Background.run(
          "heap-peak",
          () -> {
            while (running) {
              try {
                peak.accumulateAndGet(read(nodeUrl).heapBytes(), Math::max);
              } catch (IOException | RuntimeException e) {
                // a scrape that fails under load is skipped; the next one counts
              } catch (InterruptedException e) {
                return;
              }
              try {
                Thread.sleep(every.toMillis());
              } catch (InterruptedException e) {
                return;
              }
            }
          });
    }

    long bytes() {
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
    }
  }
}
