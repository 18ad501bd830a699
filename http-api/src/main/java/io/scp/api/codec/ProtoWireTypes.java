package io.scp.api.codec;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fields of a protobuf body sent with another wire type than the contract's. The parser keeps such
 * a field among the unknown ones and leaves the field itself unset, so {@code "expiresSeconds"}
 * sent as a string would quietly become the default expiry. Such a body is refused as the JSON
 * decoder refuses a string for a number.
 */
public final class ProtoWireTypes {
  /** Per message type, whether it has message fields: only those are walked below the top. */
  private static final Map<Descriptor, Boolean> HAS_MESSAGES = new ConcurrentHashMap<>();

  private ProtoWireTypes() {}

  /** Throws {@link DecodeException} naming the first field of {@code message} of a wrong type. */
  public static void requireContractTypes(Message message) {
    check(message, "");
  }

  private static void check(Message message, String prefix) {
    Descriptor type = message.getDescriptorForType();
    for (int number : message.getUnknownFields().asMap().keySet()) {
      FieldDescriptor field = type.findFieldByNumber(number);
      if (field != null) {
        throw new DecodeException(
            prefix + field.getJsonName() + " has the wrong type (field " + number + ")");
      }
    }
    if (!HAS_MESSAGES.computeIfAbsent(type, ProtoWireTypes::hasMessageFields)) return;
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) continue;
      List<?> values = field.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object value : values) check((Message) value, prefix + field.getJsonName() + ".");
    }
  }

  private static boolean hasMessageFields(Descriptor type) {
    return type.getFields().stream()
        .anyMatch(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE);
  }
}
