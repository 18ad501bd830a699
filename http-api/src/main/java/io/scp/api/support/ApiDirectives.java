package io.scp.api.support;

import com.google.protobuf.Message;
import io.scp.actors.common.Asks;
import io.scp.api.proto.Error;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * The building blocks of every endpoint: role check, body decoding in the negotiated format, the
 * entity ask, and rendering of the answer or of the error.
 */
public abstract class ApiDirectives extends AllDirectives {
  protected final ApiContext api;

  protected ApiDirectives(ApiContext api) {
    this.api = api;
  }

  /** An endpoint with a body of type {@code T}. */
  protected <T extends Message> Route command(
      Role role, T prototype, Function<T, CompletionStage<Reply>> handler) {
    return command(role, prototype, api.maxBodyBytes(), api.askTimeout(), handler);
  }

  /**
   * An endpoint whose body may be up to {@code maxBodyBytes} and read for up to {@code timeout}.
   */
  protected <T extends Message> Route command(
      Role role,
      T prototype,
      long maxBodyBytes,
      Duration timeout,
      Function<T, CompletionStage<Reply>> handler) {
    return authorized(role, () -> withBody(prototype, maxBodyBytes, timeout, handler));
  }

  /** An endpoint with a body of type {@code T}, for callers authenticated otherwise. */
  protected <T extends Message> Route withBody(
      T prototype, Function<T, CompletionStage<Reply>> handler) {
    return withBody(prototype, api.maxBodyBytes(), api.askTimeout(), handler);
  }

  private <T extends Message> Route withBody(
      T prototype,
      long maxBodyBytes,
      Duration timeout,
      Function<T, CompletionStage<Reply>> handler) {
    return extractRequest(
        request -> {
          WireFormat in = WireFormat.ofRequest(request);
          WireFormat out = WireFormat.forResponse(request, in);
          if (request.entity().getContentLengthOption().orElse(0L) > maxBodyBytes) {
            return complete(error(ErrorMapping.PAYLOAD_TOO_LARGE, out, List.of()));
          }
          CompletionStage<HttpResponse> response =
              body(request.entity(), maxBodyBytes, timeout)
                  .thenCompose(bytes -> handler.apply(in.decode(prototype, bytes)))
                  .handle((reply, failure) -> respond(reply, failure, out));
          return completeWithFuture(response);
        });
  }

  /**
   * The request body. A body that arrived whole (a strict entity: every front-end request with a
   * Content-Length, already checked against the limit) is used as it is; Pekko's {@code toStrict}
   * with a size limit would run a stream, an actor, for it. Only a chunked body is collected.
   */
  private CompletionStage<byte[]> body(RequestEntity entity, long maxBodyBytes, Duration timeout) {
    if (entity instanceof HttpEntity.Strict strict) {
      return CompletableFuture.completedFuture(strict.getData().toArray());
    }
    return entity
        .toStrict(timeout.toMillis(), maxBodyBytes, api.materializer())
        .thenApply(strict -> strict.getData().toArray());
  }

  /** An endpoint without a body (GET, DELETE). */
  protected Route query(Role role, Supplier<CompletionStage<Reply>> handler) {
    return authorized(role, () -> withoutBody(handler));
  }

  /** An endpoint without a body, for callers authenticated otherwise. */
  protected Route withoutBody(Supplier<CompletionStage<Reply>> handler) {
    return extractRequest(
        request -> {
          WireFormat out = WireFormat.forError(request);
          CompletionStage<Reply> reply;
          try {
            reply = handler.get();
          } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
          }
          return completeWithFuture(reply.handle((r, failure) -> respond(r, failure, out)));
        });
  }

  /** A query parameter; an empty one ({@code ?limit=}) means the same as none. */
  protected Route optionalParameter(String name, Function<Optional<String>, Route> inner) {
    return parameterOptional(name, value -> inner.apply(value.filter(v -> !v.isEmpty())));
  }

  /** Asks a sharded entity; a refusal fails the stage with its {@code Refusal}. */
  protected <M, R> CompletionStage<R> ask(
      EntityTypeKey<M> key, String entityId, Function<ActorRef<StatusReply<R>>, M> command) {
    return ask(key, entityId, command, api.askTimeout());
  }

  protected <M, R> CompletionStage<R> ask(
      EntityTypeKey<M> key,
      String entityId,
      Function<ActorRef<StatusReply<R>>, M> command,
      Duration timeout) {
    return Asks.withStatus(api.sharding().entityRefFor(key, entityId), command, timeout);
  }

  protected Route authorized(Role role, Supplier<Route> inner) {
    if (!api.tokens().enabled()) return inner.get();
    return extractRequest(
        request -> {
          Optional<Role> caller = bearerToken(request).flatMap(api.tokens()::roleOf);
          if (caller.isEmpty()) return complete(missingToken(WireFormat.forError(request)));
          if (!caller.get().grants(role)) {
            return complete(
                error(
                    new ApiError(403, "FORBIDDEN", "this token's role may not call this endpoint"),
                    WireFormat.forError(request),
                    List.of()));
          }
          return inner.get();
        });
  }

  /** 401 for a request without a valid bearer token. */
  public static HttpResponse missingToken(WireFormat out) {
    return error(
        new ApiError(401, "UNAUTHENTICATED", "a valid bearer token is required"),
        out,
        List.of(RawHeader.create("WWW-Authenticate", "Bearer")));
  }

  public static Optional<String> bearerToken(HttpRequest request) {
    return request
        .getHeader("Authorization")
        .map(HttpHeader::value)
        .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(v -> v.substring(7).trim());
  }

  private HttpResponse respond(Reply reply, Throwable failure, WireFormat out) {
    if (failure != null) return error(ErrorMapping.toApiError(failure), out, List.of());
    return HttpResponse.create()
        .withStatus(reply.status())
        .withEntity(HttpEntities.create(out.contentType(), out.encode(reply.body())))
        .addHeaders(reply.headers());
  }

  /**
   * An error answer. A 429 always says when to come back: one without a {@code Retry-After} of its
   * own (a full CPM mailbox) gets {@link #THROTTLED_RETRY_AFTER_SECONDS}.
   */
  public static HttpResponse error(ApiError e, WireFormat out, List<HttpHeader> headers) {
    Error body = Error.newBuilder().setCode(e.code()).setMessage(e.getMessage()).build();
    HttpResponse response =
        HttpResponse.create()
            .withStatus(e.status())
            .withEntity(HttpEntities.create(out.contentType(), out.encode(body)))
            .addHeaders(headers);
    if (e.status() == 429 && response.getHeader("Retry-After").isEmpty()) {
      response =
          response.addHeader(
              RawHeader.create("Retry-After", Long.toString(THROTTLED_RETRY_AFTER_SECONDS)));
    }
    return response;
  }

  /** Seconds a throttled caller without a better estimate is told to wait. */
  public static final long THROTTLED_RETRY_AFTER_SECONDS = 30;
}
