package io.scp.api.codec;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enum values in a parsed protobuf body that the contract does not know. Proto3 enums are open: the
 * parser keeps a number it has no name for (and an explicit zero "unspecified"), and code reading
 * the field would see {@code UNRECOGNIZED} and might take it for a default. Such a body is refused
 * as the JSON decoder refuses an unknown name.
 */
public final class ProtoEnums {
  /**
   * Per message type, whether it or a message nested in it has an enum field. Most bodies (a call's
   * setup, answer, quota and end) have none and are not walked: the walk reads every set field by
   * reflection, on the path of every protobuf request.
   */
  private static final Map<Descriptor, Boolean> MAY_HOLD_ENUMS = new ConcurrentHashMap<>();

  private ProtoEnums() {}

  /** Throws {@link DecodeException} naming the first enum field of {@code message} out of range. */
  public static void requireKnown(Message message) {
    if (mayHoldEnums(message.getDescriptorForType())) check(message, "");
  }

  private static void check(Message message, String prefix) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix + field.getJsonName();
      List<?> values = field.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object value : values) {
        if (value instanceof EnumValueDescriptor v && (v.getIndex() < 0 || v.getNumber() == 0)) {
          throw new DecodeException(
              path + " must be one of " + ProtoJson.enumNames(field) + ", not " + v.getNumber());
        }
        if (value instanceof Message nested && mayHoldEnums(nested.getDescriptorForType())) {
          check(nested, path + ".");
        }
      }
    }
  }

  private static boolean mayHoldEnums(Descriptor type) {
    Boolean known = MAY_HOLD_ENUMS.get(type);
    if (known == null) {
      known = reachesEnum(type, new HashSet<>());
      MAY_HOLD_ENUMS.put(type, known);
    }
    return known;
  }

  /** Message types may nest themselves: {@code seen} ends the walk there. */
  private static boolean reachesEnum(Descriptor type, Set<Descriptor> seen) {
    if (!seen.add(type)) return false;
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) return true;
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && reachesEnum(field.getMessageType(), seen)) {
        return true;
      }
    }
    return false;
  }
}
