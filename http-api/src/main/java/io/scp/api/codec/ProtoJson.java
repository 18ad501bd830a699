package io.scp.api.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;

/**
 * Converts between JSON and protobuf messages by their descriptors, so that both encodings of an
 * endpoint share one model and behave identically.
 *
 * <p>Decoding is strict about types (a number field takes a JSON integer, not a string; an enum
 * takes one of its names) and lenient about unknown fields, which are ignored as protobuf ignores
 * unknown fields. {@code null} means absent. Encoding writes every field: unset optional fields as
 * {@code null}, 64-bit integers as JSON numbers. A {@code google.protobuf.Value} field holds any
 * JSON value (free JSON such as an event payload); its numbers are IEEE doubles, as in protobuf's
 * own JSON mapping.
 */
public final class ProtoJson {
  private static final ObjectMapper MAPPER = newMapper();

  private ProtoJson() {}

  private static ObjectMapper newMapper() {
    var mapper =
        JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(40).build());
    return mapper;
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses {@code json} into {@code builder}; an empty body is the empty object. */
  public static <B extends Message.Builder> B decode(byte[] json, B builder) {
    if (json.length == 0) return builder;
    // Jackson decodes some malformed UTF-8 (an overlong "\xc0\xb6" reads as "6", passing a digit
    // check) where protobuf refuses it: both encodings take the same text, checked the same way.
    if (!UnsafeByteOperations.unsafeWrap(json).isValidUtf8()) {
      throw new DecodeException("body is not UTF-8 text");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new DecodeException("body is not valid JSON");
    }
    if (root == null || root.isMissingNode()) return builder;
    merge(root, builder, "");
    return builder;
  }

  public static void merge(JsonNode node, Message.Builder builder, String path) {
    if (!node.isObject()) throw new DecodeException(where(path) + "must be a JSON object");
    var descriptor = builder.getDescriptorForType();
    var fields = node.fields();
    while (fields.hasNext()) {
      var entry = fields.next();
      FieldDescriptor field = descriptor.findFieldByName(entry.getKey());
      if (field == null || entry.getValue().isNull()) continue;
      String fieldPath = path.isEmpty() ? field.getName() : path + "." + field.getName();
      if (field.isRepeated()) {
        if (!entry.getValue().isArray()) throw new DecodeException(fieldPath + " must be an array");
        int i = 0;
        for (JsonNode element : entry.getValue()) {
          builder.addRepeatedField(
              field, value(element, field, builder, fieldPath + "[" + i++ + "]"));
        }
      } else {
        builder.setField(field, value(entry.getValue(), field, builder, fieldPath));
      }
    }
  }

  private static Object value(
      JsonNode node, FieldDescriptor field, Message.Builder parent, String path) {
    switch (field.getJavaType()) {
      case INT:
        if (!node.isIntegralNumber() || !node.canConvertToInt())
          throw typeError(path, "a 32-bit integer");
        return node.intValue();
      case LONG:
        if (!node.isIntegralNumber() || !node.canConvertToLong())
          throw typeError(path, "an integer");
        return node.longValue();
      case DOUBLE:
        if (!node.isNumber()) throw typeError(path, "a number");
        return node.doubleValue();
      case FLOAT:
        if (!node.isNumber()) throw typeError(path, "a number");
        return node.floatValue();
      case BOOLEAN:
        if (!node.isBoolean()) throw typeError(path, "true or false");
        return node.booleanValue();
      case STRING:
        if (!node.isTextual()) throw typeError(path, "a string");
        return WellFormedText.require(node.textValue(), path);
      case ENUM:
        return enumValue(node, field, path);
      case MESSAGE:
        if (JsonValues.isValue(field.getMessageType())) return JsonValues.toValue(node);
        Message.Builder child = parent.newBuilderForField(field);
        merge(node, child, path);
        return child.build();
      default:
        throw typeError(path, "a supported value");
    }
  }

  private static EnumValueDescriptor enumValue(JsonNode node, FieldDescriptor field, String path) {
    EnumValueDescriptor value =
        node.isTextual() ? field.getEnumType().findValueByName(node.textValue()) : null;
    if (value == null || value.getNumber() == 0) {
      throw new DecodeException(
          path
              + " must be one of "
              + enumNames(field)
              + (node.isTextual() ? ", not " + node.textValue() : ""));
    }
    return value;
  }

  /** The values a client may send for an enum field: every one but the zero "unspecified". */
  static String enumNames(FieldDescriptor field) {
    return field.getEnumType().getValues().stream()
        .filter(v -> v.getNumber() != 0)
        .map(EnumValueDescriptor::getName)
        .toList()
        .toString();
  }

  private static DecodeException typeError(String path, String expected) {
    return new DecodeException(path + " must be " + expected);
  }

  private static String where(String path) {
    return path.isEmpty() ? "the body " : path + " ";
  }

  // ---------------------------------------------------------------- encoding

  public static byte[] encode(MessageOrBuilder message) {
    try {
      return MAPPER.writeValueAsBytes(toTree(message));
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }

  public static ObjectNode toTree(MessageOrBuilder message) {
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.isRepeated()) {
        ArrayNode array = object.putArray(field.getName());
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
          array.add(toNode(field, message.getRepeatedField(field, i)));
        }
      } else if (field.hasPresence() && !message.hasField(field)) {
        object.putNull(field.getName());
      } else {
        object.set(field.getName(), toNode(field, message.getField(field)));
      }
    }
    return object;
  }

  private static JsonNode toNode(FieldDescriptor field, Object value) {
    var f = JsonNodeFactory.instance;
    return switch (field.getJavaType()) {
      case INT -> f.numberNode((Integer) value);
      case LONG -> f.numberNode((Long) value);
      case DOUBLE -> f.numberNode((Double) value);
      case FLOAT -> f.numberNode((Float) value);
      case BOOLEAN -> f.booleanNode((Boolean) value);
      case STRING -> f.textNode((String) value);
      case ENUM -> f.textNode(((EnumValueDescriptor) value).getName());
      case MESSAGE ->
          value instanceof com.google.protobuf.Value v
              ? JsonValues.toNode(v)
              : toTree((Message) value);
      default -> f.nullNode();
    };
  }

  /** Compact JSON text of a tree. */
  public static String text(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }
}
