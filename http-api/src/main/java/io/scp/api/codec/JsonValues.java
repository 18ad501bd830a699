package io.scp.api.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free JSON in the API ({@code google.protobuf.Value}): in JSON bodies it is the JSON value itself,
 * as in protobuf's canonical JSON mapping. Numbers are IEEE doubles (protobuf's {@code Value}); an
 * integral number within ±2^53 is written without a fraction.
 */
public final class JsonValues {
  private static final long MAX_EXACT = 1L << 53;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonValues() {}

  /** Whether a message field holds free JSON. */
  static boolean isValue(com.google.protobuf.Descriptors.Descriptor type) {
    return type.getFullName().equals(Value.getDescriptor().getFullName());
  }

  public static Value toValue(JsonNode node) {
    Value.Builder out = Value.newBuilder();
    if (node == null || node.isNull() || node.isMissingNode()) {
      return out.setNullValue(NullValue.NULL_VALUE).build();
    }
    if (node.isBoolean()) return out.setBoolValue(node.booleanValue()).build();
    if (node.isNumber()) return out.setNumberValue(node.doubleValue()).build();
    if (node.isTextual()) {
      return out.setStringValue(WellFormedText.require(node.textValue(), "a text")).build();
    }
    if (node.isArray()) {
      ListValue.Builder list = ListValue.newBuilder();
      node.forEach(element -> list.addValues(toValue(element)));
      return out.setListValue(list).build();
    }
    if (node.isObject()) {
      Struct.Builder struct = Struct.newBuilder();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        struct.putFields(
            WellFormedText.require(field.getKey(), "a key"), toValue(field.getValue()));
      }
      return out.setStructValue(struct).build();
    }
    throw new DecodeException("unsupported JSON value");
  }

  /** The JSON of a value; object members sorted by name, so equal values print the same. */
  public static JsonNode toNode(Value value) {
    switch (value.getKindCase()) {
      case BOOL_VALUE:
        return NODES.booleanNode(value.getBoolValue());
      case NUMBER_VALUE:
        double d = value.getNumberValue();
        // a protobuf body can carry what JSON cannot
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new DecodeException("a number must be finite");
        }
        if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT) return NODES.numberNode((long) d);
        return NODES.numberNode(d);
      case STRING_VALUE:
        return NODES.textNode(value.getStringValue());
      case LIST_VALUE:
        ArrayNode array = NODES.arrayNode();
        value.getListValue().getValuesList().forEach(v -> array.add(toNode(v)));
        return array;
      case STRUCT_VALUE:
        ObjectNode object = NODES.objectNode();
        new TreeMap<>(value.getStructValue().getFieldsMap())
            .forEach((name, v) -> object.set(name, toNode(v)));
        return object;
      default:
        return NODES.nullNode();
    }
  }

  public static String toJson(Value value) {
    try {
      return ProtoJson.mapper().writeValueAsString(toNode(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }

  /**
   * Parses JSON text into a value; text that is not JSON (or whose strings are not Unicode) becomes
   * a string value.
   */
  public static Value parse(String json) {
    try {
      return toValue(ProtoJson.mapper().readTree(json));
    } catch (IOException | DecodeException e) {
      return Value.newBuilder().setStringValue(json).build();
    }
  }
}
