package io.scp.actors.common;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Sharding of entities that own deadlines (expiries, supervision timers). They are remembered, so
 * sharding starts them again after a crash, a rebalance or a full restart and their timers are
 * re-armed on recovery. Sharding never passivates them on its own; they ask for passivation
 * themselves when nothing is pending (the long-lived ones only after an idle timeout without a
 * command, see {@link IdlePassivation}).
 */
public final class RememberedEntity {
  private RememberedEntity() {}

  /** Builds one entity from its id, context, timers and a way to ask for passivation. */
  @FunctionalInterface
  public interface Factory<M> {
    Behavior<M> create(
        String entityId, ActorContext<M> context, TimerScheduler<M> timers, Runnable passivate);
  }

  /** Starts sharding for a remembered entity type; {@code stopMessage} must stop the entity. */
  public static <M> void init(
      ActorSystem<?> system, EntityTypeKey<M> key, M stopMessage, Factory<M> factory) {
    shard(system, key, stopMessage, factory, settings(system));
  }

  /** Starts sharding for an entity type that asks for its own passivation. */
  static <M> void shard(
      ActorSystem<?> system,
      EntityTypeKey<M> key,
      M stopMessage,
      Factory<M> factory,
      ClusterShardingSettings settings) {
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system,
                Entity.of(
                        key,
                        entity ->
                            Behaviors.<M>setup(
                                context ->
                                    Behaviors.withTimers(
                                        timers ->
                                            factory.create(
                                                entity.getEntityId(),
                                                context,
                                                timers,
                                                passivator(entity, context)))))
                    .withStopMessage(stopMessage)
                    .withSettings(settings)));
  }

  /** The same entity without sharding, for tests: passivation requests are ignored. */
  public static <M> Behavior<M> standalone(String entityId, Factory<M> factory) {
    return standalone(entityId, factory, () -> {});
  }

  /** The same entity without sharding, for tests: passivation requests run {@code passivate}. */
  public static <M> Behavior<M> standalone(
      String entityId, Factory<M> factory, Runnable passivate) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(timers -> factory.create(entityId, context, timers, passivate)));
  }

  private static ClusterShardingSettings settings(ActorSystem<?> system) {
    return ClusterShardingSettings.create(system).withRememberEntities(true);
  }

  /** Asks the shard to passivate this entity (it then receives the entity's stop message). */
  public static <M> Runnable passivator(EntityContext<M> entity, ActorContext<M> context) {
    return () -> entity.getShard().tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }
}
