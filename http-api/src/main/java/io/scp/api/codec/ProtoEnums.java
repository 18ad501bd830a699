package io.scp.api.codec;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * Enum values in a parsed protobuf body that the contract does not know. Proto3 enums are open: the
 * parser keeps a number it has no name for (and an explicit zero "unspecified"), and code reading
 * the field would see {@code UNRECOGNIZED} and might take it for a default. Such a body is refused
 * as the JSON decoder refuses an unknown name.
 */
public final class ProtoEnums {
  private ProtoEnums() {}

  /** Throws {@link DecodeException} naming the first enum field of {@code message} out of range. */
  public static void requireKnown(Message message) {
    check(message, "");
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
        if (value instanceof Message nested) check(nested, path + ".");
      }
    }
  }
}
