package io.scp.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
    var request =
        HttpRequest.newBuilder(URI.create(nodeUrl + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    String text =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
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
