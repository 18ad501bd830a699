package io.scp.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A plain HTTP client for end-to-end tests: the API exactly as a front end sees it. */
public final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final String base;
  private final Map<String, String> headers;
  private final Duration timeout;

  ApiClient(String base) {
    this(newHttpClient(), base, Map.of(), Duration.ofSeconds(20));
  }

  private ApiClient(HttpClient http, String base, Map<String, String> headers, Duration timeout) {
    this.http = http;
    this.base = base;
    this.headers = headers;
    this.timeout = timeout;
  }

  public String baseUrl() {
    return base;
  }

  /** The same client sending {@code Authorization: Bearer token}. */
  public ApiClient withToken(String token) {
    return withHeader("Authorization", "Bearer " + token);
  }

  public ApiClient withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new ApiClient(http, base, more, timeout);
  }

  /** The same client waiting up to {@code timeout} for each answer. */
  public ApiClient withTimeout(Duration timeout) {
    return new ApiClient(http, base, headers, timeout);
  }

  /**
   * The same client on connections of its own. For requests the node answers by closing the
   * connection (a body over the limit): the shared pool would otherwise offer that closed
   * connection to the next request, which then fails before the node sees it.
   */
  public ApiClient onOwnConnections() {
    return new ApiClient(newHttpClient(), base, headers, timeout);
  }

  private static HttpClient newHttpClient() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public Response get(String path) {
    return send("GET", path, null, null);
  }

  public Response delete(String path) {
    return send("DELETE", path, null, null);
  }

  public Response put(String path, String json) {
    return send("PUT", path, json.getBytes(), "application/json");
  }

  public Response post(String path, String json) {
    return send("POST", path, json.getBytes(), "application/json");
  }

  public Response patch(String path, String json) {
    return send("PATCH", path, json.getBytes(), "application/json");
  }

  public Response send(String method, String path, byte[] body, String contentType) {
    return exchange(
        method,
        path,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body),
        contentType);
  }

  /** Sends the body without a Content-Length, in chunks (Transfer-Encoding: chunked). */
  public Response sendChunked(String method, String path, byte[] body, String contentType) {
    return exchange(
        method,
        path,
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)),
        contentType);
  }

  private Response exchange(
      String method, String path, HttpRequest.BodyPublisher body, String contentType) {
    var request =
        HttpRequest.newBuilder(URI.create(base + path))
            .version(HttpClient.Version.HTTP_1_1)
            .timeout(timeout)
            .method(method, body);
    if (contentType != null) request.header("Content-Type", contentType);
    headers.forEach(request::header);
    try {
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.body(), response.headers().map());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An answer: status, raw body, and the body as JSON when it is JSON. */
  public record Response(int status, byte[] body, Map<String, java.util.List<String>> headers) {
    public JsonNode json() {
      try {
        return body.length == 0 ? MissingNode.getInstance() : JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (status " + status + "): " + new String(body), e);
      }
    }

    public String code() {
      return json().path("code").asText();
    }

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + new String(body);
    }
  }
}
