package io.scp.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A value-added service platform for tests: a real HTTP server on 127.0.0.1 (ephemeral port) that
 * records every callback it receives, in order, and answers each operation as told (200 {} by
 * default).
 */
public final class StubPlatform implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong ORDER = new AtomicLong();

  /**
   * One received callback; {@code order} is global across all stubs of the JVM. {@code fields} are
   * the top-level fields as text (of a JSON or form body); {@link #json()} keeps a JSON body's
   * types.
   */
  public record Received(
      long order, String operation, String contentType, String body, Map<String, String> fields) {

    /** The body as JSON, to see the types of its values; fails if it is not a JSON object. */
    public JsonNode json() {
      try {
        JsonNode tree = JSON.readTree(body);
        if (tree == null || !tree.isObject()) {
          throw new IllegalStateException("not a JSON object: " + body);
        }
        return tree;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private record Answer(int status, String contentType, String body, Duration delay) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();

  private StubPlatform(HttpServer server) {
    this.server = server;
  }

  public static StubPlatform start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      StubPlatform stub = new StubPlatform(server);
      server.createContext("/", stub::handle);
      server.setExecutor(stub.executor);
      server.start();
      return stub;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The callback URL to register for this platform. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/platform";
  }

  public StubPlatform answer(String operation, int status, String jsonBody) {
    answers.put(operation, new Answer(status, "application/json", jsonBody, Duration.ZERO));
    return this;
  }

  public StubPlatform answerForm(String operation, int status, String formBody) {
    answers.put(
        operation,
        new Answer(status, "application/x-www-form-urlencoded", formBody, Duration.ZERO));
    return this;
  }

  public StubPlatform answerAfter(String operation, Duration delay) {
    answers.put(operation, new Answer(200, "application/json", "{}", delay));
    return this;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public List<Received> received(String operation) {
    return received.stream().filter(r -> r.operation().equals(operation)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String operation = path.substring(path.lastIndexOf('/') + 1);
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(
          new Received(
              ORDER.incrementAndGet(),
              operation,
              contentType == null ? "" : contentType,
              body,
              fields(contentType, body)));
      Answer answer =
          answers.getOrDefault(operation, new Answer(200, "application/json", "{}", Duration.ZERO));
      if (!answer.delay().isZero()) {
        try {
          Thread.sleep(answer.delay().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) exchange.getResponseBody().write(out);
    } catch (IOException e) {
      // the caller gave up (timeout); nothing to answer
    }
  }

  private static Map<String, String> fields(String contentType, String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
      for (String pair : body.split("&")) {
        if (pair.isEmpty()) continue;
        String[] kv = pair.split("=", 2);
        fields.put(
            URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
      }
      return fields;
    }
    try {
      JsonNode tree = JSON.readTree(body);
      if (tree != null && tree.isObject()) {
        tree.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
      }
    } catch (IOException e) {
      // not JSON: no fields
    }
    return fields;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
