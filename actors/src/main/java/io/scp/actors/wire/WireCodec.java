package io.scp.actors.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.util.function.Function;

/**
 * How one message class crosses nodes: its manifest (short, as it travels with every message), its
 * protobuf form and back.
 */
record WireCodec<T>(
    Class<T> type, String manifest, Function<T, MessageLite> write, Reader<T> read) {

  interface Reader<T> {
    T read(byte[] bytes) throws InvalidProtocolBufferException;
  }

  static <T> WireCodec<T> of(
      Class<T> type, String manifest, Function<T, MessageLite> write, Reader<T> read) {
    return new WireCodec<>(type, manifest, write, read);
  }

  byte[] toBinary(Object message) {
    return write.apply(type.cast(message)).toByteArray();
  }
}
