package io.scp.actors.vacp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Entities for unit tests without sharding: real entity behaviors spawned by the test and
 * registered here by key and id. An entity that is not registered (not started, or stopped to
 * simulate an outage) is unreachable: messages to it go to dead letters and asks time out.
 */
final class LocalEntities implements EntityRefs {
  private final ActorSystem<?> system;
  private final Map<String, ActorRef<?>> refs = new ConcurrentHashMap<>();

  LocalEntities(ActorSystem<?> system) {
    this.system = system;
  }

  <M> ActorRef<M> put(EntityTypeKey<M> key, String entityId, ActorRef<M> ref) {
    refs.put(key.name() + "|" + entityId, ref);
    return ref;
  }

  void remove(EntityTypeKey<?> key, String entityId) {
    refs.remove(key.name() + "|" + entityId);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <M> RecipientRef<M> refFor(EntityTypeKey<M> key, String entityId) {
    ActorRef<?> ref = refs.get(key.name() + "|" + entityId);
    return ref != null ? (ActorRef<M>) ref : system.deadLetters();
  }
}
