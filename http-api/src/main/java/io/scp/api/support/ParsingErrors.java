package io.scp.api.support;

import java.util.List;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Requests the HTTP server cannot parse far enough to route (a badly escaped path, a path or a
 * header too long, two Content-Type headers) get the API's error body in JSON too, not Pekko's
 * plain text: {@code PAYLOAD_TOO_LARGE} for 413, {@code INVALID_ARGUMENT} for anything else, with
 * the status Pekko chose (400, 414, 431, ...) — except that what it answers with a 5xx (501 for a
 * method it does not know, 505 for an HTTP version) is bad input too, and bad input is a 4xx: 400.
 * Configured as {@code pekko.http.server.parsing.error-handler}.
 */
public final class ParsingErrors extends ParsingErrorHandler {
  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    log.debug("unparsable request: {}", error.summary());
    int code = status.intValue() >= 500 ? 400 : status.intValue();
    String name = code == 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_ARGUMENT";
    return ApiDirectives.error(
        new ApiError(code, name, error.summary()), WireFormat.JSON, List.of());
  }
}
