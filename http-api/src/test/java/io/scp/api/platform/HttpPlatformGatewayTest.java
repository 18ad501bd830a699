package io.scp.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.scp.actors.vacp.PlatformFields;
import io.scp.actors.vacp.PlatformGateway.Endpoint;
import io.scp.actors.vacp.PlatformGateway.Outcome;
import io.scp.actors.vacp.PlatformGateway.Protocol;
import io.scp.actors.vacp.PlatformGateway.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The platform gateway against a real local HTTP server. */
class HttpPlatformGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Seen(String path, String contentType, String body) {}

  HttpServer server;
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);
  HttpPlatformGateway gateway =
      new HttpPlatformGateway(Duration.ofMillis(600), Duration.ofSeconds(1), 2, 1024);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  /** The last path segment chooses the answer. */
  void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(new Seen(path, exchange.getRequestHeaders().getFirst("Content-Type"), body));
      String op = path.substring(path.lastIndexOf('/') + 1);
      switch (op) {
        case "json-ok" ->
            reply(exchange, 200, "application/json", "{\"result\":\"sunny\",\"n\":{\"a\":1}}");
        case "form-ok" ->
            reply(exchange, 200, "application/x-www-form-urlencoded", "result=rain+later&x=%26");
        case "says-no" -> reply(exchange, 200, "application/json", "{\"accepted\":false}");
        case "forbidden" -> reply(exchange, 403, "application/json", "{}");
        case "broken" -> reply(exchange, 500, "text/plain", "oops");
        case "busy" -> reply(exchange, 429, "text/plain", "");
        case "gave-up" -> reply(exchange, 408, "application/json", "{}");
        case "json-truncated" -> reply(exchange, 200, "application/json", "{\"result\": [1,2");
        case "json-not" -> reply(exchange, 200, "application/json", "<<<not json>>>");
        case "json-trailing" -> reply(exchange, 200, "application/json", "{\"a\":1} {\"b\":2}");
        case "json-scalar" -> reply(exchange, 200, "application/json", "\"sunny\"");
        case "text-not-json" -> reply(exchange, 200, "text/plain", "OK");
        case "form-bad-escape" ->
            reply(exchange, 200, "application/x-www-form-urlencoded", "result=100%zz");
        case "form-nameless" ->
            reply(exchange, 200, "application/x-www-form-urlencoded", "=x&result=1");
        case "form-is-json" ->
            reply(exchange, 200, "application/x-www-form-urlencoded", "{\"accepted\": true}");
        case "form-lenient" ->
            reply(exchange, 200, "application/x-www-form-urlencoded", "a=1,2:3/x*(y)!~&b\n");
        case "empty-json" -> reply(exchange, 200, "application/json", "");
        case "empty-form" -> reply(exchange, 200, "application/x-www-form-urlencoded", "");
        case "no-content" -> reply(exchange, 204, "text/plain", "");
        case "forbidden-garbled" -> reply(exchange, 403, "application/json", "<html>no");
        case "huge" ->
            reply(exchange, 200, "application/json", "{\"x\":\"" + "y".repeat(4096) + "\"}");
        case "huge-chunked" -> {
          // No Content-Length: the answer's length shows only while it is read.
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = "y".repeat(512).getBytes(StandardCharsets.UTF_8);
          for (int i = 0; i < 2_000; i++) exchange.getResponseBody().write(chunk);
        }
        case "chunked-ok" -> {
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write("{\"result\":".getBytes(StandardCharsets.UTF_8));
          exchange.getResponseBody().write("\"sunny\"}".getBytes(StandardCharsets.UTF_8));
        }
        case "slow" -> {
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(exchange, 200, "application/json", "{}");
        }
        default -> reply(exchange, 404, "text/plain", "");
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  static void reply(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) exchange.getResponseBody().write(bytes);
  }

  Endpoint endpoint(Protocol protocol) {
    return new Endpoint(
        "pf", "http://127.0.0.1:" + server.getAddress().getPort() + "/cb/", protocol);
  }

  Response call(Protocol protocol, String op) {
    PlatformFields fields =
        PlatformFields.builder()
            .text("msisdn", "8613900000001")
            .text("note", "a&b=c d")
            .number("settled", 40)
            .bool("onlyWhenImsRegistered", false)
            .text("digits", "007")
            .build();
    return gateway
        .call(endpoint(protocol), op, fields, Optional.of("{\"q\":[1,2]}"))
        .toCompletableFuture()
        .join();
  }

  @Test
  void standardPlatformsGetTypedJsonAndFormPlatformsGetFormText() throws IOException {
    Response json = call(Protocol.STANDARD, "json-ok");
    assertThat(json.outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(json.fields()).containsEntry("result", "sunny").containsEntry("n", "{\"a\":1}");
    Seen asJson = seen.get(0);
    assertThat(asJson.path()).isEqualTo("/cb/json-ok");
    assertThat(asJson.contentType()).isEqualTo("application/json");
    assertThat(asJson.body())
        .isEqualTo(
            "{\"msisdn\":\"8613900000001\",\"note\":\"a&b=c d\",\"settled\":40,"
                + "\"onlyWhenImsRegistered\":false,\"digits\":\"007\",\"payload\":{\"q\":[1,2]}}");
    JsonNode sent = JSON.readTree(asJson.body());
    assertThat(sent.get("settled").isIntegralNumber()).as("a JSON number").isTrue();
    assertThat(sent.get("settled").asLong()).isEqualTo(40);
    assertThat(sent.get("onlyWhenImsRegistered").isBoolean()).as("a JSON boolean").isTrue();
    assertThat(sent.get("digits").isTextual()).as("text stays text").isTrue();
    assertThat(sent.get("msisdn").isTextual()).isTrue();

    Response form = call(Protocol.FORM, "form-ok");
    assertThat(form.outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(form.fields()).containsEntry("result", "rain later").containsEntry("x", "&");
    Seen asForm = seen.get(1);
    assertThat(asForm.contentType()).isEqualTo("application/x-www-form-urlencoded");
    assertThat(asForm.body())
        .as("FORM: everything as text")
        .isEqualTo(
            "msisdn=8613900000001&note=a%26b%3Dc+d&settled=40&onlyWhenImsRegistered=false"
                + "&digits=007&payload=%7B%22q%22%3A%5B1%2C2%5D%7D");
  }

  @Test
  void answersAreClassified() {
    assertThat(call(Protocol.STANDARD, "says-no").outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(call(Protocol.STANDARD, "forbidden").outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(call(Protocol.STANDARD, "broken").outcome()).isEqualTo(Outcome.FAILED);
    assertThat(call(Protocol.STANDARD, "busy").outcome()).isEqualTo(Outcome.FAILED);
    assertThat(call(Protocol.STANDARD, "gave-up").outcome())
        .as("408: the platform timed out, it did not refuse")
        .isEqualTo(Outcome.TIMEOUT);
    assertThat(call(Protocol.STANDARD, "huge").outcome()).isEqualTo(Outcome.FAILED);
    Response chunked = call(Protocol.STANDARD, "huge-chunked");
    assertThat(chunked.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(chunked.reason()).isEqualTo("answer too large");
    assertThat(call(Protocol.STANDARD, "chunked-ok").fields()).containsEntry("result", "sunny");
    long started = System.nanoTime();
    assertThat(call(Protocol.STANDARD, "slow").outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aSuccessWhoseBodyCannotBeReadIsNoUsableAnswer() {
    for (String op :
        List.of(
            "json-truncated",
            "json-not",
            "json-trailing",
            "text-not-json",
            "form-bad-escape",
            "form-nameless",
            "form-is-json")) {
      Response response = call(Protocol.STANDARD, op);
      assertThat(response.outcome()).as(op).isEqualTo(Outcome.FAILED);
      assertThat(response.status()).as(op).isEqualTo(200);
      assertThat(response.reason()).as(op).contains("malformed");
      assertThat(response.fields()).as(op).isEmpty();
    }
  }

  @Test
  void emptyAndLenientlyEncodedAnswersAreAccepted() {
    for (String op : List.of("empty-json", "empty-form", "no-content")) {
      Response response = call(Protocol.FORM, op);
      assertThat(response.outcome()).as(op).isEqualTo(Outcome.ACCEPTED);
      assertThat(response.fields()).as(op).isEmpty();
    }
    Response scalar = call(Protocol.STANDARD, "json-scalar");
    assertThat(scalar.outcome()).as("any JSON value is an answer").isEqualTo(Outcome.ACCEPTED);
    assertThat(scalar.fields()).isEmpty();
    Response lenient = call(Protocol.FORM, "form-lenient");
    assertThat(lenient.outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(lenient.fields()).containsEntry("a", "1,2:3/x*(y)!~").containsEntry("b", "");
  }

  @Test
  void aFailureStatusSpeaksForItselfWhateverItsBody() {
    assertThat(call(Protocol.STANDARD, "forbidden-garbled").outcome()).isEqualTo(Outcome.REJECTED);
  }

  @Test
  void unreachableOrUnusableAddressesFail() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var closed = new Endpoint("pf", "http://127.0.0.1:" + closedPort + "/cb", Protocol.STANDARD);
    Response refused =
        gateway
            .call(closed, "x", PlatformFields.empty(), Optional.empty())
            .toCompletableFuture()
            .join();
    assertThat(refused.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(refused.reason())
        .isEqualTo("call failed: could not connect to the callback address");
    var ftp = new Endpoint("pf", "ftp://127.0.0.1/cb", Protocol.STANDARD);
    assertThat(
            gateway
                .call(ftp, "x", PlatformFields.empty(), Optional.empty())
                .toCompletableFuture()
                .join()
                .outcome())
        .isEqualTo(Outcome.FAILED);
  }

  /** The reason reaches API clients (a 502's message): words, not a Java exception's text. */
  @Test
  void aBrokenAnswerIsDescribedInWords() throws Exception {
    Response garbage = rawAnswer("garbage\r\n\r\n");
    assertThat(garbage.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(garbage.reason()).isEqualTo("call failed: the answer is not valid HTTP");
    Response truncated = rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n{}");
    assertThat(truncated.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(truncated.reason())
        .isEqualTo("call failed: the connection failed before a complete answer");
  }

  /** The gateway's answer from a platform that writes {@code raw} and closes the connection. */
  private Response rawAnswer(String raw) throws Exception {
    try (ServerSocket broken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread answering =
          new Thread(
              () -> {
                try (Socket client = broken.accept()) {
                  client.getInputStream().read(new byte[4096]);
                  client.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the gateway went away
                }
              });
      answering.start();
      var endpoint =
          new Endpoint("pf", "http://127.0.0.1:" + broken.getLocalPort(), Protocol.STANDARD);
      Response answer =
          gateway
              .call(endpoint, "x", PlatformFields.empty(), Optional.empty())
              .toCompletableFuture()
              .join();
      answering.join(5_000);
      return answer;
    }
  }

  @Test
  void callsInFlightAreBounded() {
    var slow1 =
        gateway.call(endpoint(Protocol.STANDARD), "slow", PlatformFields.empty(), Optional.empty());
    var slow2 =
        gateway.call(endpoint(Protocol.STANDARD), "slow", PlatformFields.empty(), Optional.empty());
    Response third = call(Protocol.STANDARD, "json-ok");
    assertThat(third.outcome()).as("beyond the bound: fails at once").isEqualTo(Outcome.FAILED);
    assertThat(third.reason()).contains("in flight");
    CompletableFuture.allOf(slow1.toCompletableFuture(), slow2.toCompletableFuture()).join();
    // Timed-out calls are aborted and give their permits back (the server is still stuck).
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> call(Protocol.STANDARD, "json-ok").outcome() == Outcome.ACCEPTED);
  }
}
