package io.scp.api.support;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import io.scp.api.codec.DecodeException;
import io.scp.api.codec.ProtoJson;
import java.util.Locale;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;

/** The two body encodings of the API and how a request chooses them. */
public enum WireFormat {
  JSON,
  PROTOBUF;

  private static final ContentType PROTOBUF_TYPE =
      ContentTypes.create(MediaTypes.applicationBinary("x-protobuf", false));

  /** The request body is protobuf only when it says so; anything else is read as JSON. */
  public static WireFormat ofRequest(HttpRequest request) {
    return isProtobuf(request.entity().getContentType().mediaType().toString()) ? PROTOBUF : JSON;
  }

  /** The answer follows {@code Accept}, defaulting to the request's own encoding. */
  public static WireFormat forResponse(HttpRequest request, WireFormat requestFormat) {
    String accept =
        request.getHeader("Accept").map(h -> h.value().toLowerCase(Locale.ROOT)).orElse("");
    if (isProtobuf(accept)) return PROTOBUF;
    if (accept.contains("json")) return JSON;
    return requestFormat;
  }

  private static boolean isProtobuf(String mediaTypes) {
    String lower = mediaTypes.toLowerCase(Locale.ROOT);
    return lower.contains("application/x-protobuf") || lower.contains("application/protobuf");
  }

  public ContentType contentType() {
    return this == JSON ? ContentTypes.APPLICATION_JSON : PROTOBUF_TYPE;
  }

  @SuppressWarnings("unchecked")
  public <T extends Message> T decode(T prototype, byte[] body) {
    if (this == JSON) return (T) ProtoJson.decode(body, prototype.newBuilderForType()).build();
    try {
      return (T) prototype.getParserForType().parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new DecodeException(
          "body is not a valid protobuf " + prototype.getDescriptorForType().getName());
    }
  }

  public byte[] encode(MessageOrBuilder message) {
    return this == JSON ? ProtoJson.encode(message) : ((Message) message).toByteArray();
  }
}
