package io.scp.actors.common;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Sharding of short-lived entities that own deadlines but are too many and too brief to be
 * remembered: a remembered entity costs a blocking write to the shard's store on every start and
 * stop. After a crash another, remembered entity wakes them (a prepaid call is woken by the account
 * that holds its reservation); on recovery they re-arm their timers like remembered entities.
 * Sharding never passivates them on its own, so a live deadline is never dropped by an idle timer;
 * they ask for passivation when nothing is pending.
 */
public final class WokenEntity {
  private WokenEntity() {}

  /** Starts sharding for the entity type; {@code stopMessage} must stop the entity. */
  public static <M> void init(
      ActorSystem<?> system,
      EntityTypeKey<M> key,
      M stopMessage,
      RememberedEntity.Factory<M> factory) {
    RememberedEntity.shard(
        system,
        key,
        stopMessage,
        factory,
        ClusterShardingSettings.create(system).withNoPassivationStrategy());
  }
}
