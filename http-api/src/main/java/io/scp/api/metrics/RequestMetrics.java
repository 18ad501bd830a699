package io.scp.api.metrics;

import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** Wraps the whole API so that every answered request is counted and timed in one place. */
public final class RequestMetrics extends AllDirectives {
  private final ApiMetrics metrics;

  public RequestMetrics(ApiMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * {@code inner} must turn every request into a response (its own exception and rejection
   * handlers), so that errors are measured like successes.
   */
  public Route measure(Route inner) {
    return extractRequest(
        request -> {
          long start = System.nanoTime();
          String method = request.method().name();
          String route = RouteTemplates.of(request.getUri().path());
          return mapResponse(
              response -> {
                metrics.request(
                    method, route, response.status().intValue(), System.nanoTime() - start);
                return response;
              },
              () -> inner);
        });
  }
}
