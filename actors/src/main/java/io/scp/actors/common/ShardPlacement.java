package io.scp.actors.common;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/** How every entity type is sharded: which shard an id is in. Allocation is Pekko's default. */
public final class ShardPlacement {
  private ShardPlacement() {}

  /** The entity with {@link ShardIds} over the configured number of shards. */
  public static <M> Entity<M, ShardingEnvelope<M>> applyTo(
      ActorSystem<?> system, Entity<M, ShardingEnvelope<M>> entity) {
    int shards = system.settings().config().getInt("pekko.cluster.sharding.number-of-shards");
    return entity.withMessageExtractor(new ShardIds<M>(shards));
  }
}
