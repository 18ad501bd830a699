package io.scp.api;

import io.scp.api.metrics.ApiMetrics;
import io.scp.api.metrics.RequestMetrics;
import io.scp.api.platform.ApiKeys;
import io.scp.api.routes.AccountRoutes;
import io.scp.api.routes.CallRoutes;
import io.scp.api.routes.CdrRoutes;
import io.scp.api.routes.CpmRoutes;
import io.scp.api.routes.ImsRoutes;
import io.scp.api.routes.MetricsRoutes;
import io.scp.api.routes.OpsRoutes;
import io.scp.api.routes.SipUriRoutes;
import io.scp.api.routes.SubscriberRoutes;
import io.scp.api.routes.VacpEventRoutes;
import io.scp.api.routes.VacpInvocationRoutes;
import io.scp.api.routes.VacpRoutes;
import io.scp.api.routes.VacpTokenRoutes;
import io.scp.api.routes.VpnGroupRoutes;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.ErrorMapping;
import io.scp.api.support.WireFormat;
import io.scp.persistence.cdr.CdrReadModel;
import io.scp.persistence.sipuri.SipUriJournalAudit;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.ExpectedWebSocketRequestRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/** The whole {@code /v1} API with one error model for everything that is not a success. */
public final class ApiRoutes extends AllDirectives {
  private final ApiContext api;
  // Its platform keys are also what a token presented on no route may be.
  private final VacpRoutes vacp;

  public ApiRoutes(ApiContext api) {
    this.api = api;
    this.vacp = new VacpRoutes(api);
  }

  /** Every request, answered or refused, is counted and timed once, here. */
  public Route route() {
    return new RequestMetrics(ApiMetrics.get(api.system())).measure(api());
  }

  /**
   * The route tree is built once: the Java DSL calls the suppliers of {@code handleExceptions},
   * {@code handleRejections} and {@code pathPrefix} on every request, so they only hand out routes
   * made here.
   */
  private Route api() {
    Route v1 =
        concat(
            new SubscriberRoutes(api).route(),
            new AccountRoutes(api).route(),
            new ImsRoutes(api).route(),
            new VpnGroupRoutes(api).route(),
            new CallRoutes(api).route(),
            new CdrRoutes(api, CdrReadModel.get(api.system()).repository()).route(),
            new CpmRoutes(api).route(),
            vacp.route(),
            new VacpEventRoutes(api).route(),
            new VacpInvocationRoutes(api).route(),
            new VacpTokenRoutes(api).route(),
            new SipUriRoutes(api, new SipUriJournalAudit(api.system())).route(),
            new OpsRoutes(api).route());
    Route all = concat(new MetricsRoutes(api).route(), pathPrefix("v1", () -> v1));
    ExceptionHandler exceptions = exceptions();
    RejectionHandler rejections = rejections();
    return handleExceptions(exceptions, () -> handleRejections(rejections, () -> all));
  }

  // Errors answer in the request's encoding (or the one Accept asks for), as every answer does.

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> errorRoute(ErrorMapping.toApiError(e)))
        .build();
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(
            MethodRejection.class,
            rejected -> {
              List<String> allowed =
                  rejected.stream().map(r -> r.supported().name()).distinct().toList();
              return unauthenticatedOr(
                  new ApiError(405, "METHOD_NOT_ALLOWED", "allowed here: " + allowed),
                  List.of(RawHeader.create("Allow", String.join(", ", allowed))));
            })
        .handle(
            ExpectedWebSocketRequestRejection.class,
            r -> errorRoute(ApiError.badRequest("this path takes a WebSocket upgrade request")))
        .handle(
            Rejection.class, r -> errorRoute(ApiError.badRequest("the request was not understood")))
        .handleNotFound(
            unauthenticatedOr(new ApiError(404, "NOT_FOUND", "no such resource"), List.of()))
        .build();
  }

  /**
   * With tokens on, a {@code /v1} request without a valid token — none, or one that is neither an
   * API token nor a VACP platform's key — is 401 even where no route matches: which paths and
   * methods exist is told only to callers who can use them.
   */
  private Route unauthenticatedOr(ApiError error, List<HttpHeader> headers) {
    return extractRequest(
        request -> {
          WireFormat out = WireFormat.forError(request);
          Route refused = complete(ApiDirectives.missingToken(out));
          Route answered = complete(ApiDirectives.error(error, out, headers));
          if (!api.tokens().enabled() || !request.getUri().path().startsWith("/v1")) {
            return answered;
          }
          Optional<String> token = ApiDirectives.bearerToken(request);
          if (token.isEmpty() || !ApiKeys.plausible(token.get())) return refused;
          if (api.tokens().roleOf(token.get()).isPresent()) return answered;
          return onSuccess(
              vacp.authenticate(token.get()),
              platform -> platform.isPresent() ? answered : refused);
        });
  }

  private Route errorRoute(ApiError error) {
    return extractRequest(
        request -> complete(ApiDirectives.error(error, WireFormat.forError(request), List.of())));
  }
}
