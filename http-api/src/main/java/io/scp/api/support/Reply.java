package io.scp.api.support;

import com.google.protobuf.Message;
import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;

/** A successful answer: status, body and any extra headers. */
public record Reply(int status, Message body, List<HttpHeader> headers) {
  public static Reply ok(Message body) {
    return new Reply(200, body, List.of());
  }

  public static Reply created(Message body) {
    return new Reply(201, body, List.of());
  }

  public static Reply of(int status, Message body) {
    return new Reply(status, body, List.of());
  }
}
