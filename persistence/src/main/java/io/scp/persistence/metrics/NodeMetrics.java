package io.scp.persistence.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The Prometheus registry of one node (one per actor system, so that several nodes in one JVM keep
 * their own figures) and the journal instruments that the persistence layer feeds.
 */
public final class NodeMetrics implements Extension {
  private static final ExtensionId<NodeMetrics> ID =
      new ExtensionId<>() {
        @Override
        public NodeMetrics createExtension(ActorSystem<?> system) {
          return new NodeMetrics();
        }
      };

  /** Upper bounds in seconds shared by the latency histograms: 0.5 ms to 10 s. */
  public static final double[] LATENCY_BOUNDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram journalWrites;
  private final Counter journalEvents;
  private final Counter journalWriteFailures;

  private NodeMetrics() {
    journalWrites =
        Histogram.builder()
            .name("scp_journal_write_seconds")
            .help(
                "Time from handing a batch of events to the JDBC journal until it is committed"
                    + " in PostgreSQL (queueing in the journal included)")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS)
            .withoutExemplars()
            .register(registry);
    journalEvents =
        Counter.builder()
            .name("scp_journal_events_written_total")
            .help("Events the journal has written")
            .withoutExemplars()
            .register(registry);
    journalWriteFailures =
        Counter.builder()
            .name("scp_journal_write_failures_total")
            .help("Journal write batches that failed (database unreachable, constraint, ...)")
            .withoutExemplars()
            .register(registry);
  }

  public static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** One batch handed to the journal came back after {@code nanos}. */
  public void journalWrite(long nanos, int events, boolean failed) {
    journalWrites.observe(nanos / 1e9);
    if (failed) {
      journalWriteFailures.inc();
    } else {
      journalEvents.inc(events);
    }
  }
}
