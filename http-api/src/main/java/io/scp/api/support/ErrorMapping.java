package io.scp.api.support;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.api.codec.DecodeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where outcomes become HTTP status codes and error codes. */
public final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

  static final ApiError PAYLOAD_TOO_LARGE =
      new ApiError(413, "PAYLOAD_TOO_LARGE", "the request body is too large");

  private ErrorMapping() {}

  public static ApiError toApiError(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof ApiError e) return e;
    if (t instanceof Refusal r)
      return new ApiError(statusOf(r.code()), r.code().name(), r.detail());
    if (t instanceof DecodeException d) return ApiError.badRequest(d.getMessage());
    if (t instanceof EntityStreamSizeException
        || (t instanceof EntityStreamException s && s.getMessage().contains("too large"))) {
      return PAYLOAD_TOO_LARGE;
    }
    if (t instanceof EntityStreamException) {
      return ApiError.badRequest("the request body could not be read");
    }
    if (t instanceof TimeoutException || t instanceof AskTimeoutException) {
      return new ApiError(
          503, "UNAVAILABLE", "the service did not answer in time, retry with the same id");
    }
    log.error("unexpected failure while serving a request", t);
    return new ApiError(500, "INTERNAL", "internal error");
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  public static int statusOf(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT, MALFORMED_IMPI -> 400;
      case FORBIDDEN, SERVICE_NOT_SUBSCRIBED, NOT_AUTHORIZED, NO_INTERWORKING, NOT_PARTICIPANT ->
          403;
      case NOT_FOUND,
          ACCOUNT_NOT_FOUND,
          RESERVATION_NOT_FOUND,
          UNKNOWN_SUBSCRIBER,
          UNKNOWN_GROUP,
          UNKNOWN_CALL,
          UNKNOWN_SERVICE,
          UNKNOWN_POOL,
          UNKNOWN_URI,
          NOT_ALLOCATED,
          UNKNOWN_PLATFORM,
          UNKNOWN_CAPABILITY,
          NO_PROVIDER_FOR_REGION,
          UNKNOWN_USER,
          UNKNOWN_SESSION ->
          404;
      case PAYLOAD_TOO_LARGE -> 413;
      case THROTTLED -> 429;
      case PROVIDER_FAILED, PROVIDER_REJECTED -> 502;
      case POOL_EXHAUSTED, UNAVAILABLE -> 503;
      case PROVIDER_TIMEOUT -> 504;
      default -> 409;
    };
  }
}
