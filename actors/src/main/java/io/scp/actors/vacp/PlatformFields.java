package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The fields of a call to a platform, in the order they were added. Each value is a text ({@link
 * String}), a whole number ({@link Long}) or a yes/no ({@link Boolean}): a STANDARD platform gets
 * them as a JSON object with those types (string, number, boolean), a FORM platform gets their
 * {@linkplain #text(Object) text} (numbers in decimal, {@code true}/{@code false}).
 *
 * <p>Immutable. Serialized (inside persisted notices and routed calls) as a plain map of typed
 * values. Notices persisted before the values were typed hold text only: they read back, and are
 * sent, as text.
 */
public final class PlatformFields {
  private static final PlatformFields EMPTY = new PlatformFields(Map.of());

  private final Map<String, Object> values;

  private PlatformFields(Map<String, Object> values) {
    this.values = values;
  }

  public static PlatformFields empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The fields of a map whose values are texts, yes/nos or whole numbers ({@link Integer}, {@link
   * Short} and {@link Byte} become {@link Long}); anything else is refused. Also how they are read
   * back from their serialized form.
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static PlatformFields of(Map<String, ?> values) {
    Builder builder = builder();
    values.forEach(
        (name, value) -> {
          if (value instanceof String s) {
            builder.text(name, s);
          } else if (value instanceof Boolean b) {
            builder.bool(name, b);
          } else if (value instanceof Long
              || value instanceof Integer
              || value instanceof Short
              || value instanceof Byte) {
            builder.number(name, ((Number) value).longValue());
          } else {
            throw new IllegalArgumentException(
                "field " + name + ": not a text, whole number or yes/no: " + value);
          }
        });
    return builder.build();
  }

  /** The values by name, in order: each a {@link String}, a {@link Long} or a {@link Boolean}. */
  @JsonValue
  public Map<String, Object> values() {
    return values;
  }

  /** The text of each field, in order: what a FORM platform gets. */
  public Map<String, String> texts() {
    Map<String, String> texts = new LinkedHashMap<>();
    values.forEach((name, value) -> texts.put(name, text(value)));
    return Collections.unmodifiableMap(texts);
  }

  /** A value as text: a number in decimal, a yes/no as {@code true} or {@code false}. */
  private static String text(Object value) {
    return value.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlatformFields other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return values.toString();
  }

  /** Adds fields in order; a name added again keeps its place and takes the new value. */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    public Builder text(String name, String value) {
      return put(name, Objects.requireNonNull(value, name));
    }

    public Builder number(String name, long value) {
      return put(name, value);
    }

    public Builder bool(String name, boolean value) {
      return put(name, value);
    }

    public Builder addAll(PlatformFields fields) {
      values.putAll(fields.values);
      return this;
    }

    private Builder put(String name, Object value) {
      values.put(Objects.requireNonNull(name, "name"), value);
      return this;
    }

    public PlatformFields build() {
      return values.isEmpty()
          ? EMPTY
          : new PlatformFields(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
    }
  }
}
