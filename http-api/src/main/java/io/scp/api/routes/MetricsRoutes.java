package io.scp.api.routes;

import io.scp.api.metrics.ApiMetrics;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ErrorMapping;
import io.scp.api.support.WireFormat;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics} in the Prometheus text format, open like the management port's health
 * checks: the contract's tokens guard {@code /v1}, and a scrape shows only route templates, counts
 * and member states — no id, number or secret — so a scrape job needs no credentials.
 */
public final class MetricsRoutes extends ApiDirectives {
  private static final ContentType PROMETHEUS_TEXT =
      MediaTypes.customWithOpenCharset("text", "plain", Map.of("version", "0.0.4"), false)
          .toContentType(HttpCharsets.UTF_8);

  private final ApiMetrics metrics;

  public MetricsRoutes(ApiContext api) {
    super(api);
    this.metrics = ApiMetrics.get(api.system());
  }

  public Route route() {
    return path(
        "metrics",
        () ->
            get(
                () ->
                    completeWithFuture(
                        metrics
                            .scrape()
                            .handle(
                                (text, failure) ->
                                    failure == null
                                        ? HttpResponse.create()
                                            .withEntity(HttpEntities.create(PROMETHEUS_TEXT, text))
                                        : error(
                                            ErrorMapping.toApiError(failure),
                                            WireFormat.JSON,
                                            List.of())))));
  }
}
