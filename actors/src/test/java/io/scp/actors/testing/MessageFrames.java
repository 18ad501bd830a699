package io.scp.actors.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;

/**
 * Whether a message crosses nodes: serialized with the product's settings it must fit Artery's
 * frame with room for the envelope (sharding's, the reply's), and read back equal.
 */
public final class MessageFrames {
  static final long ENVELOPE_ROOM = 64 * 1024;

  private MessageFrames() {}

  /** Asserts {@code message} fits one frame and survives the round trip; answers its size. */
  public static long assertFitsOneFrame(ActorSystem<?> system, Object message) {
    long frame =
        system.settings().config().getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    Serialization serialization = SerializationExtension.get(system.classicSystem());
    byte[] bytes = serialization.serialize(message).get();
    assertThat((long) bytes.length).isLessThan(frame - ENVELOPE_ROOM);
    var serializer = serialization.findSerializerFor(message);
    Object back =
        serialization
            .deserialize(
                bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
            .get();
    assertThat(back).isEqualTo(message);
    return bytes.length;
  }
}
