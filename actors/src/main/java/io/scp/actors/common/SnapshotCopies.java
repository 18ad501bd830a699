package io.scp.actors.common;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * Hands the snapshot store a copy of the state instead of the state itself.
 *
 * <p>Several entities keep maps and sets in their state and change them in place in their event
 * handlers. Pekko passes the state object to the snapshot store, which serializes it later on its
 * own thread while the entity goes on applying events to those same collections; the snapshot could
 * then hold a torn map — entries missing that its sequence number says are in it — and an entity
 * recovered from it would have forgotten, say, a top-up id it must refuse twice. {@link #toJournal}
 * runs on the entity's own thread, so the copy taken there (a round trip through the state's own
 * serializer, the one the snapshot store uses) is exactly the state at the snapshot's sequence
 * number. It costs one serialization more per snapshot, i.e. per hundred events.
 */
public final class SnapshotCopies<S> implements SnapshotAdapter<S> {

  private final Serialization serialization;

  public SnapshotCopies(ActorSystem<?> system) {
    this.serialization = SerializationExtension.get(Adapter.toClassic(system));
  }

  @Override
  public Object toJournal(S state) {
    Serializer serializer = serialization.findSerializerFor(state);
    byte[] bytes = serializer.toBinary(state);
    return serialization
        .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, state))
        .get();
  }

  @Override
  @SuppressWarnings("unchecked")
  public S fromJournal(Object from) {
    return (S) from;
  }
}
