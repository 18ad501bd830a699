package io.scp.loadtest;

import com.google.protobuf.Message;
import io.scp.api.codec.ProtoJson;
import java.util.concurrent.CompletableFuture;

/**
 * The body encoding of a run: JSON or protobuf, both built from the same proto messages (the {@code
 * .proto} files are the public contract and their field names match the JSON names).
 */
public final class Wire {
  private final boolean protobuf;

  public Wire(boolean protobuf) {
    this.protobuf = protobuf;
  }

  /** {@code json} or {@code protobuf}. */
  public static Wire of(String format) {
    if (format.equalsIgnoreCase("protobuf")) return new Wire(true);
    if (format.equalsIgnoreCase("json")) return new Wire(false);
    throw new IllegalArgumentException("--format must be json or protobuf, not " + format);
  }

  public boolean protobuf() {
    return protobuf;
  }

  public String name() {
    return protobuf ? "protobuf" : "json";
  }

  public CompletableFuture<ApiTarget.Answer> post(
      ApiTarget api, String kind, String path, Message body) {
    byte[] bytes = protobuf ? body.toByteArray() : ProtoJson.encode(body);
    return api.send(kind, "POST", path, bytes, protobuf ? ApiTarget.PROTOBUF : ApiTarget.JSON);
  }

  @SuppressWarnings("unchecked")
  public <T extends Message> T decode(byte[] body, Message.Builder builder) {
    try {
      return protobuf
          ? (T) builder.mergeFrom(body).build()
          : (T) ProtoJson.decode(body, builder).build();
    } catch (Exception e) {
      throw new IllegalStateException("unreadable answer", e);
    }
  }
}
