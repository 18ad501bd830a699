package io.scp.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The nodes under test as a front end sees them: requests go round-robin over the nodes, and a
 * request that times out, finds a node down or gets 503 is retried with the same body (so the same
 * ids) on the next node, as a real front end would. Every attempt's latency is recorded.
 */
public final class ApiTarget {
  public static final String JSON = "application/json";
  public static final String PROTOBUF = "application/x-protobuf";

  private final List<String> nodes;
  private final String token;
  private final HttpClient http;
  private final Latencies latencies;
  private final int maxAttempts;
  private final Duration timeout;
  private final AtomicInteger next = new AtomicInteger();

  public ApiTarget(
      List<String> nodes, String token, Latencies latencies, int maxAttempts, Duration timeout) {
    this.nodes = List.copyOf(nodes);
    this.token = token;
    this.latencies = latencies;
    this.maxAttempts = maxAttempts;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The answer to a request after retries: status (0 when no node answered) and body. */
  public record Answer(int status, byte[] body, int attempts) {
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** The body of a 2xx answer as JSON; empty for any other answer or a body that is no JSON. */
    public Optional<JsonNode> json() {
      if (!ok()) return Optional.empty();
      try {
        return Optional.of(MAPPER.readTree(body));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }

  public CompletableFuture<Answer> send(
      String kind, String method, String path, byte[] body, String contentType) {
    return send(kind, method, path, body, contentType, timeout);
  }

  /** As {@link #send(String, String, String, byte[], String)} with a timeout of its own. */
  public CompletableFuture<Answer> send(
      String kind,
      String method,
      String path,
      byte[] body,
      String contentType,
      Duration requestTimeout) {
    return attempt(new Request(kind, method, path, body, contentType, requestTimeout), 1);
  }

  private record Request(
      String kind, String method, String path, byte[] body, String contentType, Duration timeout) {}

  private CompletableFuture<Answer> attempt(Request r, int attempt) {
    String node = nodes.get(Math.floorMod(next.getAndIncrement(), nodes.size()));
    String kind = r.kind();
    String method = r.method();
    byte[] body = r.body();
    String contentType = r.contentType();
    var request =
        HttpRequest.newBuilder(URI.create(node + r.path()))
            .timeout(r.timeout())
            .header("Content-Type", contentType)
            .header("Accept", contentType)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null && !token.isBlank()) request.header("Authorization", "Bearer " + token);
    long started = System.nanoTime();
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (response, failure) -> {
              latencies.record(kind, started, System.nanoTime());
              boolean retryable =
                  failure != null
                      ? isTransient(failure)
                      : response.statusCode() == 503 || response.statusCode() == 502;
              if (retryable && attempt < maxAttempts) {
                return retryLater(r, attempt);
              }
              if (failure != null)
                return CompletableFuture.completedFuture(new Answer(0, new byte[0], attempt));
              return CompletableFuture.completedFuture(
                  new Answer(response.statusCode(), response.body(), attempt));
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<Answer> retryLater(Request r, int attempt) {
    long backoffMillis =
        Math.min(2_000, 100L << Math.min(attempt, 4)) + ThreadLocalRandom.current().nextLong(50);
    Executor delayed = CompletableFuture.delayedExecutor(backoffMillis, TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, delayed)
        .thenCompose(x -> attempt(r, attempt + 1));
  }

  private static boolean isTransient(Throwable failure) {
    Throwable t =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return t instanceof HttpTimeoutException
        || t instanceof ConnectException
        || t instanceof IOException;
  }

  public List<String> nodes() {
    return nodes;
  }

  /** Where every attempt's latency goes. */
  public Latencies latencies() {
    return latencies;
  }
}
