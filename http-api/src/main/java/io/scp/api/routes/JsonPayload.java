package io.scp.api.routes;

import com.google.protobuf.Value;
import io.scp.api.codec.JsonValues;
import io.scp.api.support.ApiError;
import java.nio.charset.StandardCharsets;

/**
 * Free JSON a request hands on to other platforms (VACP event and invocation payloads), as compact
 * text. Its size is checked on that text, not on the body: a protobuf body spells strings and
 * numbers more tightly than JSON does, so the text can be several times the body.
 */
final class JsonPayload {
  private JsonPayload() {}

  /** The payload's compact JSON text, or 413 PAYLOAD_TOO_LARGE when it has more bytes. */
  static String compact(Value payload, int maxBytes) {
    String json = JsonValues.toJson(payload);
    if (json.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new ApiError(
          413, "PAYLOAD_TOO_LARGE", "the payload is larger than " + maxBytes + " bytes of JSON");
    }
    return json;
  }
}
