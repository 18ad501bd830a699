package io.scp.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A node's {@code GET /metrics}, as Prometheus would scrape it (no token needed). */
final class MetricsScrape {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private MetricsScrape() {}

  static String of(String nodeUrl) throws IOException, InterruptedException {
    var request =
        HttpRequest.newBuilder(URI.create(nodeUrl + "/metrics"))
            .timeout(Duration.ofSeconds(30))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }
}
