package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scp.actors.common.Asks;
import io.scp.api.codec.ProtoJson;
import io.scp.api.metrics.ShardedTypes;
import io.scp.api.proto.ClusterMember;
import io.scp.api.proto.ClusterView;
import io.scp.api.proto.ShardRegion;
import io.scp.api.proto.ShardRegions;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ErrorMapping;
import io.scp.api.support.Role;
import io.scp.api.support.WireFormat;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion.ClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /v1/ops/cluster}: members, leader, reachability and where the shards live. */
public final class OpsRoutes extends ApiDirectives {
  private final Duration statsTimeout;

  public OpsRoutes(ApiContext api) {
    super(api);
    this.statsTimeout = api.system().settings().config().getDuration("scp.ops.stats-timeout");
  }

  public Route route() {
    return path(
        segment("ops").slash("cluster"),
        () ->
            get(
                () ->
                    authorized(
                        Role.OPERATOR,
                        () ->
                            extractRequest(
                                request -> {
                                  WireFormat out = WireFormat.forResponse(request, WireFormat.JSON);
                                  return completeWithFuture(
                                      view()
                                          .handle(
                                              (view, failure) ->
                                                  failure == null
                                                      ? render(view, out)
                                                      : error(
                                                          ErrorMapping.toApiError(failure),
                                                          out,
                                                          List.of())));
                                }))));
  }

  CompletionStage<ClusterView> view() {
    Cluster cluster = Cluster.get(api.system());
    CurrentClusterState state = cluster.state();
    var view = ClusterView.newBuilder().setSelf(cluster.selfMember().address().toString());
    if (state.getLeader() != null) view.setLeader(state.getLeader().toString());
    StreamSupport.stream(state.getMembers().spliterator(), false)
        .sorted(Comparator.comparing(m -> m.address().toString()))
        .forEach(m -> view.addMembers(member(m)));
    state.getUnreachable().stream()
        .map(m -> m.address().toString())
        .sorted()
        .forEach(view::addUnreachable);
    List<String> types = ShardedTypes.names(api.system());
    Map<String, CompletableFuture<ShardRegions>> stats = new LinkedHashMap<>();
    types.forEach(type -> stats.put(type, shardRegions(type).toCompletableFuture()));
    return CompletableFuture.allOf(stats.values().toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              stats.forEach((type, regions) -> view.putShards(type, regions.join()));
              return view.build();
            });
  }

  private static ClusterMember member(Member m) {
    return ClusterMember.newBuilder()
        .setAddress(m.address().toString())
        .setStatus(m.status().toString())
        .addAllRoles(m.getRoles().stream().sorted().toList())
        .build();
  }

  /** Regions that do not answer within the timeout are missing from the answer, not an error. */
  private CompletionStage<ShardRegions> shardRegions(String type) {
    return Asks.<ClusterShardingQuery, ClusterShardingStats>ask(
            api.sharding().shardState(),
            replyTo ->
                new GetClusterShardingStats(
                    EntityTypeKey.create(Object.class, type), statsTimeout, replyTo),
            statsTimeout.plusSeconds(1),
            api.system().scheduler())
        .thenApply(OpsRoutes::regions)
        .exceptionally(noAnswer -> ShardRegions.getDefaultInstance());
  }

  private static ShardRegions regions(ClusterShardingStats stats) {
    var regions = ShardRegions.newBuilder();
    stats.getRegions().entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<Address, ?> e) -> e.getKey().toString()))
        .forEach(
            e ->
                regions.addRegions(
                    ShardRegion.newBuilder()
                        .setAddress(e.getKey().toString())
                        .setShards(e.getValue().getStats().size())
                        .setEntities(
                            e.getValue().getStats().values().stream()
                                .mapToLong(n -> ((Number) n).longValue())
                                .sum())));
    return regions.build();
  }

  /** Protobuf as is; in JSON each entity type maps straight to its array of regions. */
  private static HttpResponse render(ClusterView view, WireFormat out) {
    if (out == WireFormat.PROTOBUF) {
      return HttpResponse.create()
          .withEntity(HttpEntities.create(out.contentType(), out.encode(view)));
    }
    ObjectNode json = ProtoJson.toTree(view);
    ObjectNode shards = json.putObject("shards");
    view.getShardsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              var array = shards.putArray(e.getKey());
              e.getValue().getRegionsList().forEach(r -> array.add(ProtoJson.toTree(r)));
            });
    try {
      return HttpResponse.create()
          .withEntity(
              HttpEntities.create(out.contentType(), ProtoJson.mapper().writeValueAsBytes(json)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }
}
