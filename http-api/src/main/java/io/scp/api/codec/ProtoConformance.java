package io.scp.api.codec;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a parsed protobuf body may not carry although the parser took it, refused as JSON refuses
 * the same (400):
 *
 * <ul>
 *   <li>an enum value the contract has no name for, or an explicit zero "unspecified" (but for the
 *       JSON null of a {@code google.protobuf.Value}): proto3 enums are open, and code reading the
 *       field would see {@code UNRECOGNIZED} (or the zero) and might take it for a default, as a
 *       subscriber's status once did;
 *   <li>a field of the contract sent with another wire type: the parser keeps it among the unknown
 *       fields and leaves the field unset, so {@code expiresSeconds} sent as a string would quietly
 *       become the default expiry.
 * </ul>
 *
 * One walk checks both. Unknown fields with numbers the contract does not use stay allowed, as
 * unknown JSON fields are.
 */
public final class ProtoConformance {
  /**
   * Per message type, whether it has enum or message fields. Most bodies (a call's setup, answer,
   * quota and end) have neither: only their own unknown fields are looked at, not every set field
   * by reflection, on the path of every protobuf request.
   */
  private static final Map<Descriptor, Boolean> HAS_NESTED = new ConcurrentHashMap<>();

  private ProtoConformance() {}

  /** Throws {@link DecodeException} naming the first field of {@code message} that does not fit. */
  public static void require(Message message) {
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
    if (!HAS_NESTED.computeIfAbsent(type, ProtoConformance::hasNested)) return;
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix + field.getJsonName();
      List<?> values = field.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object value : values) {
        if (value instanceof EnumValueDescriptor v && !allowed(v)) {
          throw new DecodeException(
              path + " must be one of " + ProtoJson.enumNames(field) + ", not " + v.getNumber());
        }
        if (value instanceof Message nested) check(nested, path + ".");
      }
    }
  }

  /**
   * A named value other than the zero; but {@code google.protobuf.NullValue} has the zero only: it
   * is how a JSON {@code null} inside a {@code Value} (a VACP payload) is spelt.
   */
  private static boolean allowed(EnumValueDescriptor value) {
    if (value.getIndex() < 0) return false;
    return value.getNumber() != 0 || value.getType() == NullValue.getDescriptor();
  }

  private static boolean hasNested(Descriptor type) {
    return type.getFields().stream()
        .anyMatch(
            f ->
                f.getJavaType() == FieldDescriptor.JavaType.ENUM
                    || f.getJavaType() == FieldDescriptor.JavaType.MESSAGE);
  }
}
