package io.scp.actors.common;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A credential (SIP password, API key). It travels in messages and the journal like any value but
 * never shows in a log line: {@code toString} is redacted, so a logged command, event or dead
 * letter cannot leak it.
 */
public record Secret(String value) implements CborSerializable {
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public Secret {}

  @JsonValue
  @Override
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return "Secret(***)";
  }
}
