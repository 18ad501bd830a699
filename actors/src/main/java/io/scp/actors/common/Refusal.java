package io.scp.actors.common;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A domain refusal carried in {@code StatusReply.error}. It is serialized with Jackson (only its
 * code and detail), so it crosses nodes as a typed value; it has no stack trace because it is an
 * expected outcome, not a failure.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonAutoDetect(
    fieldVisibility = JsonAutoDetect.Visibility.NONE,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class Refusal extends RuntimeException implements CborSerializable {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  @JsonCreator
  public Refusal(@JsonProperty("code") ErrorCode code, @JsonProperty("detail") String detail) {
    super(detail, null, false, false);
    this.code = code;
  }

  @JsonProperty("code")
  public ErrorCode code() {
    return code;
  }

  @JsonProperty("detail")
  public String detail() {
    return getMessage();
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
