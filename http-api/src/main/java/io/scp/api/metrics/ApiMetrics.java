package io.scp.api.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.scp.persistence.metrics.NodeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;

/**
 * What {@code GET /metrics} shows besides the journal: API requests per route, the members of the
 * cluster as this node sees them, the shards and live entities this node hosts per type, and the
 * JVM's own figures (heap and its pools, garbage collections, threads) from Prometheus' JVM
 * instrumentation.
 */
public final class ApiMetrics implements Extension {
  private static final ExtensionId<ApiMetrics> ID =
      new ExtensionId<>() {
        @Override
        public ApiMetrics createExtension(ActorSystem<?> system) {
          return new ApiMetrics(system);
        }
      };

  private static final List<String> MEMBER_STATUSES =
      List.of("joining", "weakly_up", "up", "leaving", "exiting", "down", "removed");

  private final ActorSystem<?> system;
  private final PrometheusRegistry registry;
  private final Histogram requests;
  private final Duration regionTimeout;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  /** Per entity type: shards and live entities hosted here, as of the last scrape. */
  private volatile Map<String, long[]> hosted = Map.of();

  private ApiMetrics(ActorSystem<?> system) {
    this.system = system;
    this.registry = NodeMetrics.get(system).registry();
    this.regionTimeout = system.settings().config().getDuration("scp.ops.stats-timeout");
    requests =
        Histogram.builder()
            .name("scp_http_request_duration_seconds")
            .help("API requests by method, route template and status class, and their latency")
            .labelNames("method", "route", "status")
            .classicOnly()
            .classicUpperBounds(NodeMetrics.LATENCY_BOUNDS)
            .withoutExemplars()
            .register(registry);
    GaugeWithCallback.builder()
        .name("scp_cluster_members")
        .help("Cluster members by status, as this node sees the membership")
        .labelNames("status")
        .callback(
            callback -> {
              Map<String, Integer> counts = memberCounts();
              MEMBER_STATUSES.forEach(s -> counts.putIfAbsent(s, 0));
              counts.forEach((status, n) -> callback.call(n, status));
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("scp_cluster_unreachable_members")
        .help("Members this node's failure detector finds unreachable")
        .callback(callback -> callback.call(Cluster.get(system).state().getUnreachable().size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("scp_sharding_entities")
        .help("Live entities hosted on this node, by entity type")
        .labelNames("entity_type")
        .callback(callback -> hosted.forEach((type, c) -> callback.call(c[1], type)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("scp_sharding_shards")
        .help("Shards hosted on this node, by entity type")
        .labelNames("entity_type")
        .callback(callback -> hosted.forEach((type, c) -> callback.call(c[0], type)))
        .register(registry);
    // Heap against the 2 GiB bar of quality.md, GC pauses behind slow requests: what an operator
    // watches first. The benchmark reads jvm_memory_used_bytes from here too.
    JvmMetrics.builder().register(registry);
  }

  public static ApiMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** One answered API request. */
  public void request(String method, String route, int status, long nanos) {
    requests.labelValues(method, route, (status / 100) + "xx").observe(nanos / 1e9);
  }

  /** Asks the local shard regions for their counts, then renders every metric as text. */
  public CompletionStage<byte[]> scrape() {
    return refreshHosted().thenApply(done -> render());
  }

  private byte[] render() {
    var out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private Map<String, Integer> memberCounts() {
    Map<String, Integer> counts = new HashMap<>();
    for (Member m : Cluster.get(system).state().getMembers()) {
      counts.merge(statusName(m.status()), 1, Integer::sum);
    }
    return counts;
  }

  static String statusName(MemberStatus status) {
    return status.toString().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
  }

  /** A region that does not answer in time keeps its previous figures. */
  private CompletionStage<Void> refreshHosted() {
    var sharding = ClusterSharding.get(Adapter.toClassic(system));
    Map<String, long[]> fresh = new HashMap<>(hosted);
    CompletableFuture<?>[] asks =
        ShardedTypes.names(system).stream()
            .map(
                type ->
                    Patterns.ask(
                            sharding.shardRegion(type),
                            ShardRegion.getRegionStatsInstance(),
                            regionTimeout)
                        .thenAccept(
                            reply -> {
                              var stats = (ShardRegion.ShardRegionStats) reply;
                              long entities =
                                  stats.getStats().values().stream()
                                      .mapToLong(n -> ((Number) n).longValue())
                                      .sum();
                              synchronized (fresh) {
                                fresh.put(type, new long[] {stats.getStats().size(), entities});
                              }
                            })
                        .exceptionally(timeout -> null)
                        .toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(asks).thenRun(() -> hosted = Map.copyOf(fresh));
  }
}
