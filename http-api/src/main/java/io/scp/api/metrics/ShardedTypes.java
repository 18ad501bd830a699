package io.scp.api.metrics;

import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.sharding.ClusterSharding;

/**
 * The entity types this node runs, as sharding itself knows them: every {@code init} of an entity
 * registers its {@code KEY.name()} there, so no second list has to be kept in step. Sharded daemon
 * processes (projections) are workers, not entities, and are left out.
 */
public final class ShardedTypes {
  private static final String DAEMON_PROCESS_PREFIX = "sharded-daemon-process-";

  private ShardedTypes() {}

  public static List<String> names(ActorSystem<?> system) {
    return ClusterSharding.get(Adapter.toClassic(system)).getShardTypeNames().stream()
        .filter(name -> !name.startsWith(DAEMON_PROCESS_PREFIX))
        .sorted()
        .toList();
  }
}
