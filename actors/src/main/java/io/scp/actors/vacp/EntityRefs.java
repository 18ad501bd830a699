package io.scp.actors.vacp;

import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * How VACP entities reach each other: through cluster sharding in a node, through directly spawned
 * entities in unit tests.
 */
@FunctionalInterface
public interface EntityRefs {
  <M> RecipientRef<M> refFor(EntityTypeKey<M> key, String entityId);

  static EntityRefs of(ClusterSharding sharding) {
    return sharding::entityRefFor;
  }
}
