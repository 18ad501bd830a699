package io.scp.actors.common;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;

/**
 * Sharding of entities that own deadlines (expiries, supervision timers). They are remembered, so
 * sharding starts them again after a crash, a rebalance or a full restart and their timers are
 * re-armed on recovery. Sharding never passivates them on its own; they ask for passivation when
 * nothing is pending.
 */
public final class RememberedEntity {
  private RememberedEntity() {}

  public static ClusterShardingSettings settings(ActorSystem<?> system) {
    return ClusterShardingSettings.create(system).withRememberEntities(true);
  }

  /** Asks the shard to passivate this entity (it then receives the entity's stop message). */
  public static <M> Runnable passivator(EntityContext<M> entity, ActorContext<M> context) {
    return () -> entity.getShard().tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }
}
