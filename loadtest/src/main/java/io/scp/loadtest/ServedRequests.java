package io.scp.loadtest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a node says it served: the request counters of its {@code /metrics}, summed over status
 * classes, so the benchmark can cross-check them against what the loadtest sent.
 */
final class ServedRequests {
  private ServedRequests() {}

  /** Requests of {@code method} on the route template {@code route} the node has answered. */
  static long count(String nodeUrl, String method, String route) throws Exception {
    String text = MetricsScrape.of(nodeUrl);
    Matcher m =
        Pattern.compile(
                "scp_http_request_duration_seconds_count\\{[^}]*method=\""
                    + Pattern.quote(method)
                    + "\"[^}]*route=\""
                    + Pattern.quote(route)
                    + "\"[^}]*} ([0-9.eE+]+)")
            .matcher(text);
    double served = 0;
    while (m.find()) served += Double.parseDouble(m.group(1));
    return Math.round(served);
  }
}
