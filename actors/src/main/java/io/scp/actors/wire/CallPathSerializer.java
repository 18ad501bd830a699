package io.scp.actors.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.NotSerializableException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Protobuf for the messages of a prepaid call's hot path that cross nodes
 * (src/main/proto/scp/wire): with three nodes two of every three of a call's asks and replies
 * cross, and Jackson spent about 7 % of a node's CPU on them (docs/benchmarks.md). Bound per class
 * in serialization.conf, which Pekko prefers to the CBOR binding of their marker interface; every
 * other message stays CBOR.
 */
public final class CallPathSerializer extends SerializerWithStringManifest {
  /** Pekko's own serializers use identifiers up to 40; this one must never change. */
  public static final int IDENTIFIER = 7301;

  private final Map<Class<?>, WireCodec<?>> byClass = new HashMap<>();
  private final Map<String, WireCodec<?>> byManifest = new HashMap<>();

  public CallPathSerializer(ExtendedActorSystem system) {
    WireValues values = new WireValues(system);
    Stream.of(
            CallMessages.codecs(values),
            LookupMessages.codecs(values),
            AccountMessages.codecs(values))
        .flatMap(List::stream)
        .forEach(
            codec -> {
              if (byClass.put(codec.type(), codec) != null
                  || byManifest.put(codec.manifest(), codec) != null) {
                throw new IllegalStateException("two codecs for " + codec.type());
              }
            });
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    return codecFor(message).manifest();
  }

  @Override
  public byte[] toBinary(Object message) {
    return codecFor(message).toBinary(message);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    WireCodec<?> codec = byManifest.get(manifest);
    if (codec == null) throw new NotSerializableException("unknown manifest " + manifest);
    try {
      return codec.read().read(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new NotSerializableException(manifest + ": " + e.getMessage());
    }
  }

  private WireCodec<?> codecFor(Object message) {
    WireCodec<?> codec = byClass.get(message.getClass());
    if (codec == null) {
      throw new IllegalArgumentException("not a call path message: " + message.getClass());
    }
    return codec;
  }
}
