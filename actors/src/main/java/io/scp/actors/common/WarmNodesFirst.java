package io.scp.actors.common;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Pekko's default shard allocation, except that a node that became Up less than {@code warmUp} ago
 * gets no shards while a warmer node can take them; meanwhile rebalancing evens out the warm nodes
 * only.
 *
 * <p>Why: when a node dies, the default strategy hands every orphaned shard to the region with the
 * fewest shards — usually a node that was just restarted, whose JVM is still cold. On the 2-core
 * chaos runs that node took all the dead node's shards and started their entities seconds slower
 * than a warm one. Once the young node is warm, the default rebalancing moves its share to it.
 */
public final class WarmNodesFirst extends ShardCoordinator.AbstractShardAllocationStrategy
    implements ShardCoordinator.ActorSystemDependentAllocationStrategy {
  private final Duration warmUp;
  private final Clock clock;
  private ShardCoordinator.ShardAllocationStrategy delegate;
  private MemberUpTimes upTimes;
  private Address self;

  WarmNodesFirst(Duration warmUp, Clock clock) {
    this.warmUp = warmUp;
    this.clock = clock;
  }

  /** Reads {@code scp.sharding.warm-up}; zero gives Pekko's default strategy itself. */
  public static ShardCoordinator.ShardAllocationStrategy create(
      org.apache.pekko.actor.typed.ActorSystem<?> system) {
    // created with the entity type, at node start: member up times are tracked from then on
    MemberUpTimes.get(system);
    return new WarmNodesFirst(
        system.settings().config().getDuration("scp.sharding.warm-up"), Clock.systemUTC());
  }

  @Override
  public void start(ActorSystem system) {
    delegate =
        ClusterSharding.get(system)
            .defaultShardAllocationStrategy(ClusterShardingSettings.create(system));
    if (delegate instanceof ShardCoordinator.ActorSystemDependentAllocationStrategy dependent) {
      dependent.start(system);
    } else if (delegate instanceof ShardCoordinator.StartableAllocationStrategy startable) {
      startable.start();
    }
    upTimes = MemberUpTimes.get(system);
    self = Cluster.get(system).selfAddress();
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> allocations) {
    return delegate.allocateShard(
        requester, shardId, immutable(candidates(allocations, this::isWarm)));
  }

  /** The regions of warm nodes, or all regions when no node is warm yet (a cluster forming). */
  static <R, V> Map<R, V> candidates(Map<R, V> allocations, Predicate<R> warm) {
    Map<R, V> warmOnes = new HashMap<>();
    allocations.forEach(
        (region, shards) -> {
          if (warm.test(region)) warmOnes.put(region, shards);
        });
    return warmOnes.isEmpty() ? allocations : warmOnes;
  }

  /** Balances the warm regions among themselves; a young node's turn comes once it is warm. */
  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> allocations, Set<String> inProgress) {
    return delegate
        .rebalance(
            immutable(candidates(allocations, this::isWarm)),
            scala.collection.immutable.Set.from(CollectionConverters.asScala(inProgress)))
        .map(CollectionConverters::asJava, ExecutionContext.parasitic$.MODULE$);
  }

  /** A region is warm when its node has been Up for {@code warmUp}, as this node saw it. */
  boolean isWarm(ActorRef region) {
    Address address = region.path().address();
    if (!address.hasGlobalScope()) address = self;
    return isWarm(upTimes.upSince(address).orElse(Instant.EPOCH), clock.instant(), warmUp);
  }

  static boolean isWarm(Instant upSince, Instant now, Duration warmUp) {
    return !upSince.plus(warmUp).isAfter(now);
  }

  private static <K, V> scala.collection.immutable.Map<K, V> immutable(Map<K, V> map) {
    return scala.collection.immutable.Map.from(CollectionConverters.asScala(map));
  }
}
