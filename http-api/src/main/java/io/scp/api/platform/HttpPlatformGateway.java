package io.scp.api.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.scp.actors.common.Asks;
import io.scp.actors.vacp.PlatformFields;
import io.scp.actors.vacp.PlatformGateway;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls platforms over HTTP with the JDK client: {@code POST {callbackUrl}/{operation}}, the fields
 * as a JSON object with typed values (STANDARD: strings, numbers, booleans) or as {@code
 * application/x-www-form-urlencoded} text (FORM). Each call is bounded in time ({@code
 * scp.vacp.platform.call-timeout}, then it is aborted) and the calls in flight are bounded ({@code
 * max-concurrent-calls}; beyond it a call fails at once, and its caller retries later). The answer
 * is read in either format, whatever the platform's protocol; a 2xx answer whose body cannot be
 * read is FAILED (no usable answer), never ACCEPTED.
 */
public final class HttpPlatformGateway implements PlatformGateway {
  private static final Logger log = LoggerFactory.getLogger(HttpPlatformGateway.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads answers: a JSON value followed by anything but whitespace is not JSON. */
  private static final ObjectMapper STRICT_JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  static final String FORM_TYPE = "application/x-www-form-urlencoded";

  private final HttpClient client;
  private final Duration callTimeout;
  private final Semaphore permits;
  private final long maxResponseBytes;

  public HttpPlatformGateway(
      Duration callTimeout,
      Duration connectTimeout,
      int maxConcurrentCalls,
      long maxResponseBytes) {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vacp-platform-client-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor)
            .build();
    this.callTimeout = callTimeout;
    this.permits = new Semaphore(maxConcurrentCalls);
    this.maxResponseBytes = maxResponseBytes;
  }

  public static HttpPlatformGateway fromConfig(Config config) {
    return new HttpPlatformGateway(
        config.getDuration("scp.vacp.platform.call-timeout"),
        config.getDuration("scp.vacp.platform.connect-timeout"),
        config.getInt("scp.vacp.platform.max-concurrent-calls"),
        config.getBytes("scp.vacp.platform.max-response-bytes"));
  }

  @Override
  public CompletionStage<Response> call(
      Endpoint endpoint, String operation, PlatformFields fields, Optional<String> payload) {
    HttpRequest request;
    try {
      request = request(endpoint, operation, fields, payload);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          Response.of(Outcome.FAILED, "unusable callback address: " + e.getMessage()));
    }
    if (!permits.tryAcquire()) {
      return CompletableFuture.completedFuture(
          Response.of(Outcome.FAILED, "too many platform calls in flight"));
    }
    CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, this::limitedBody);
    exchange.whenComplete((r, t) -> permits.release());
    CompletableFuture<Response> answer =
        exchange
            .handle((response, failure) -> classify(response, failure))
            .completeOnTimeout(
                Response.of(Outcome.TIMEOUT, "no answer within " + callTimeout.toMillis() + " ms"),
                callTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    answer.whenComplete(
        (response, failure) -> {
          if (!exchange.isDone()) exchange.cancel(true);
          if (response != null) {
            log.debug(
                "platform {} {}: {} {}",
                endpoint.platformId(),
                operation,
                response.outcome(),
                response.reason());
          }
        });
    return answer;
  }

  private HttpRequest request(
      Endpoint endpoint, String operation, PlatformFields fields, Optional<String> payload) {
    String base = endpoint.callbackUrl();
    URI uri = URI.create((base.endsWith("/") ? base : base + "/") + operation);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("not an http(s) address");
    }
    boolean form = endpoint.protocol() == Protocol.FORM;
    byte[] body = form ? formBody(fields, payload) : jsonBody(fields, payload);
    return HttpRequest.newBuilder(uri)
        .timeout(callTimeout)
        .header("Content-Type", form ? FORM_TYPE : "application/json")
        .header("Accept", form ? FORM_TYPE + ", application/json" : "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  /**
   * The fields as a JSON object: texts as strings, whole numbers as numbers, yes/nos as booleans.
   */
  static byte[] jsonBody(PlatformFields fields, Optional<String> payload) {
    ObjectNode object = JSON.createObjectNode();
    fields.values().forEach((name, value) -> object.set(name, jsonValue(value)));
    payload.ifPresent(p -> object.set("payload", parseOrText(p)));
    try {
      return JSON.writeValueAsBytes(object);
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }

  private static JsonNode jsonValue(Object value) {
    JsonNodeFactory nodes = JSON.getNodeFactory();
    if (value instanceof Long number) return nodes.numberNode(number);
    if (value instanceof Boolean bool) return nodes.booleanNode(bool);
    return nodes.textNode((String) value);
  }

  private static JsonNode parseOrText(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }

  /** The fields as form text: numbers in decimal, yes/nos as {@code true}/{@code false}. */
  static byte[] formBody(PlatformFields fields, Optional<String> payload) {
    StringBuilder out = new StringBuilder();
    Map<String, String> all = new LinkedHashMap<>(fields.texts());
    payload.ifPresent(p -> all.put("payload", p));
    all.forEach(
        (name, value) -> {
          if (out.length() > 0) out.append('&');
          out.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
              .append('=')
              .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads the answer up to the configured maximum; one that announces more is not read at all, one
   * that turns out longer is read no further (either way: null).
   */
  private HttpResponse.BodySubscriber<byte[]> limitedBody(HttpResponse.ResponseInfo info) {
    long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
    return length > maxResponseBytes
        ? HttpResponse.BodySubscribers.replacing(null)
        : new BoundedBody(maxResponseBytes);
  }

  private static Response classify(HttpResponse<byte[]> response, Throwable failure) {
    if (failure != null) {
      Throwable cause = Asks.unwrap(failure);
      if (cause instanceof HttpTimeoutException) {
        return Response.of(Outcome.TIMEOUT, "timed out: " + cause.getMessage());
      }
      if (cause instanceof CancellationException) return Response.of(Outcome.TIMEOUT, "aborted");
      log.debug("platform call failed", cause);
      return Response.of(Outcome.FAILED, "call failed: " + failureText(cause));
    }
    int status = response.statusCode();
    if (response.body() == null) {
      return new Response(Outcome.FAILED, status, "answer too large", Map.of(), Optional.empty());
    }
    String body = new String(response.body(), StandardCharsets.UTF_8);
    Optional<Map<String, String>> parsed =
        parseFields(response.headers().firstValue("Content-Type").orElse(""), body);
    Map<String, String> fields = parsed.orElse(Map.of());
    boolean success = status >= 200 && status < 300;
    // A 2xx whose body cannot be read says nothing we can trust (not even accepted=false, nor a
    // result): it is no usable answer. Other statuses speak for themselves, body or not.
    if (success && parsed.isEmpty()) {
      return new Response(
          Outcome.FAILED,
          status,
          "malformed answer (HTTP " + status + ")",
          fields,
          Optional.of(body));
    }
    Outcome outcome;
    if (success) {
      outcome =
          "false".equalsIgnoreCase(fields.get("accepted")) ? Outcome.REJECTED : Outcome.ACCEPTED;
    } else if (status == 408) {
      outcome = Outcome.TIMEOUT;
    } else if (status >= 400 && status < 500 && status != 429) {
      outcome = Outcome.REJECTED;
    } else {
      outcome = Outcome.FAILED;
    }
    return new Response(outcome, status, "HTTP " + status, fields, Optional.of(body));
  }

  /**
   * What went wrong, in words a platform's operator can act on: the reason travels to API clients
   * (a 502's message), where a Java exception's name and text do not belong.
   */
  static String failureText(Throwable cause) {
    if (cause instanceof ConnectException) return "could not connect to the callback address";
    if (cause instanceof ProtocolException) return "the answer is not valid HTTP";
    if (cause instanceof IOException) return "the connection failed before a complete answer";
    return "the call could not be made";
  }

  /**
   * Top-level fields of an answer, as strings; empty when the body is malformed. A blank body is
   * valid and has no fields (an acknowledgement without content, e.g. 204). A body whose {@code
   * Content-Type} is form-urlencoded is read as form; any other body as JSON (platforms that leave
   * out or misstate the header still work), which must be one complete JSON value; only an object's
   * members become fields.
   */
  static Optional<Map<String, String>> parseFields(String contentType, String body) {
    if (body.isBlank()) return Optional.of(Map.of());
    return contentType.toLowerCase(Locale.ROOT).startsWith(FORM_TYPE)
        ? formFields(body.strip())
        : jsonFields(body);
  }

  /**
   * Form fields, or empty when the body is not form encoding: a bad {@code %} escape, a field
   * without a name, or a character that every encoder escapes because a URI can never hold it raw
   * (RFC 3986: spaces, controls, {@code "<>\^`{|}}) — such a body is something else (JSON, HTML,
   * text) sent under the wrong type. Characters some encoders leave raw ({@code ,:/!'()*~[]}) pass.
   */
  private static Optional<Map<String, String>> formFields(String body) {
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c <= ' ' || c == 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0) return Optional.empty();
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      if (name.isEmpty()) return Optional.empty();
      try {
        fields.put(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.of(fields);
  }

  private static Optional<Map<String, String>> jsonFields(String body) {
    JsonNode tree;
    try {
      tree = STRICT_JSON.readTree(body);
    } catch (IOException e) {
      return Optional.empty();
    }
    Map<String, String> fields = new LinkedHashMap<>();
    if (tree != null && tree.isObject()) {
      tree.fields()
          .forEachRemaining(
              e ->
                  fields.put(
                      e.getKey(),
                      e.getValue().isValueNode()
                          ? e.getValue().asText()
                          : e.getValue().toString()));
    }
    return Optional.of(fields);
  }
}
