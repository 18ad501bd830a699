package io.scp.api.support;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import io.scp.api.codec.DecodeException;
import io.scp.api.codec.ProtoConformance;
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

  /**
   * The answer follows {@code Accept}: the encoding with the higher quality ({@code q}, 1 when
   * absent; a named type counts before a wildcard; one named with {@code q=0} is refused), the
   * request's own encoding when they are equal or neither is acceptable.
   */
  public static WireFormat forResponse(HttpRequest request, WireFormat requestFormat) {
    String accept = request.getHeader("Accept").map(h -> h.value()).orElse("");
    double protobuf = -1, json = -1, wildcard = -1;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = quality(parts);
      if (isProtobuf(type)) protobuf = Math.max(protobuf, q);
      else if (type.contains("json")) json = Math.max(json, q);
      else if (type.equals("*/*") || type.equals("application/*")) wildcard = Math.max(wildcard, q);
    }
    // Not named and no wildcard: below any weight the client gave, above a refusal (q=0).
    protobuf = protobuf >= 0 ? protobuf : wildcard >= 0 ? wildcard : Double.MIN_VALUE;
    json = json >= 0 ? json : wildcard >= 0 ? wildcard : Double.MIN_VALUE;
    if (protobuf > json && protobuf > 0) return PROTOBUF;
    if (json > protobuf && json > 0) return JSON;
    return requestFormat;
  }

  /** An error answer: as any answer, the request's encoding unless {@code Accept} asks another. */
  public static WireFormat forError(HttpRequest request) {
    return forResponse(request, ofRequest(request));
  }

  private static double quality(String[] parameters) {
    for (int i = 1; i < parameters.length; i++) {
      String p = parameters[i].trim();
      if (p.length() > 2 && (p.startsWith("q=") || p.startsWith("Q="))) {
        try {
          double q = Double.parseDouble(p.substring(2).trim());
          return q >= 0 && q <= 1 ? q : 1;
        } catch (NumberFormatException e) {
          return 1;
        }
      }
    }
    return 1;
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
      T message = (T) prototype.getParserForType().parseFrom(body);
      ProtoConformance.require(message);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new DecodeException(
          "body is not a valid protobuf " + prototype.getDescriptorForType().getName());
    }
  }

  public byte[] encode(MessageOrBuilder message) {
    return this == JSON ? ProtoJson.encode(message) : ((Message) message).toByteArray();
  }
}
