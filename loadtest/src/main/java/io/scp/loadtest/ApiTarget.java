package io.scp.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
  }

  /**
   * One event loop and one keep-alive connection pool for every target of the JVM: the load
   * generator shares the machine's cores with the nodes it measures, so its HTTP client must cost
   * little CPU per request (measured per complete call: 0.5 ms here, 1.4 ms with java.net.http).
   */
  private static final class Transport {
    static final Vertx VERTX =
        Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    static final HttpClient HTTP =
        VERTX
            .httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(2_000))
            // connections per node: more than any run's callers plus probes, so none waits
            .with(new PoolOptions().setHttp1MaxSize(4_096))
            // a node killed by the chaos runner resets its connections; the requests on them
            // fail and are retried, the reset itself is not worth a log line
            .withConnectHandler(connection -> connection.exceptionHandler(ignored -> {}))
            .build();
    static final Context LOOP = VERTX.getOrCreateContext();

    /**
     * Runs a request's whole chain on the client's event loop. Vert.x hands a response's body to
     * whatever handler is set when the bytes arrive and drops it otherwise; a chain built on
     * another thread may set its body handler only after the response already arrived (the thread
     * preempted in between on a busy machine) and then reads a 2xx with an empty body. On the event
     * loop no response is read while the chain is being built.
     */
    static void onEventLoop(Runnable start) {
      if (Vertx.currentContext() == LOOP) start.run();
      else LOOP.runOnContext(ignored -> start.run());
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * The answer to a request after retries: status (0 when no node answered), body, and where it
   * came from (the node and the headers that describe the body), for reports of odd answers.
   */
  public record Answer(int status, byte[] body, int attempts, String origin) {
    public Answer(int status, byte[] body, int attempts) {
      this(status, body, attempts, "");
    }

    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /**
     * The body of a 2xx answer as JSON; empty for any other answer, an empty body or a body that is
     * no JSON.
     */
    public Optional<JsonNode> json() {
      if (!ok()) return Optional.empty();
      try {
        JsonNode node = MAPPER.readTree(body);
        return node == null || node.isMissingNode() ? Optional.empty() : Optional.of(node);
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
    var options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(r.method()))
            .setAbsoluteURI(node + r.path())
            .setIdleTimeout(r.timeout().toMillis())
            .putHeader("Content-Type", r.contentType())
            .putHeader("Accept", r.contentType());
    if (token != null && !token.isBlank()) options.putHeader("Authorization", "Bearer " + token);
    long started = System.nanoTime();
    CompletableFuture<Answer> answered = new CompletableFuture<>();
    Transport.onEventLoop(
        () ->
            Transport.HTTP
                .request(options)
                .compose(req -> r.body() == null ? req.send() : req.send(Buffer.buffer(r.body())))
                .compose(
                    response ->
                        response.body().map(b -> answer(response, b.getBytes(), node, attempt)))
                .onComplete(
                    (answer, failure) -> {
                      if (failure != null) answered.completeExceptionally(failure);
                      else answered.complete(answer);
                    }));
    return answered
        .handle(
            (answer, failure) -> {
              latencies.record(r.kind(), started, System.nanoTime());
              // no answer at all (refused, reset, timed out) or a node that cannot serve yet
              boolean retryable =
                  failure != null || answer.status() == 503 || answer.status() == 502;
              if (retryable && attempt < maxAttempts) return retryLater(r, attempt);
              return CompletableFuture.completedFuture(
                  failure != null ? new Answer(0, new byte[0], attempt) : answer);
            })
        .thenCompose(f -> f);
  }

  private static Answer answer(HttpClientResponse response, byte[] body, String node, int attempt) {
    return new Answer(
        response.statusCode(),
        body,
        attempt,
        node
            + " (Content-Type "
            + response.getHeader("Content-Type")
            + ", Content-Length "
            + response.getHeader("Content-Length")
            + ")");
  }

  private CompletableFuture<Answer> retryLater(Request r, int attempt) {
    long backoffMillis =
        Math.min(2_000, 100L << Math.min(attempt, 4)) + ThreadLocalRandom.current().nextLong(50);
    Executor delayed = CompletableFuture.delayedExecutor(backoffMillis, TimeUnit.MILLISECONDS);
    return CompletableFuture.supplyAsync(() -> null, delayed)
        .thenCompose(x -> attempt(r, attempt + 1));
  }

  public List<String> nodes() {
    return nodes;
  }

  /** Where every attempt's latency goes. */
  public Latencies latencies() {
    return latencies;
  }
}
