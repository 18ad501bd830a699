package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The routing actors through HTTP: SLA throttling with Retry-After, priority under contention (one
 * call in flight per provider here), and the circuit breaker opening and recovering.
 */
class VacpRoutingApiTest {
  static final String VALID = "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\"";

  static TestNode node;
  static ApiClient api;
  static VacpFixture vacp;
  static final ExecutorService senders = Executors.newFixedThreadPool(8);

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            Map.of(
                "scp.vacp.routing.max-in-flight", 1,
                "scp.vacp.routing.queue-timeout", "10s",
                "scp.vacp.routing.failure-threshold", 3,
                "scp.vacp.routing.open-for", "2s",
                "scp.vacp.routing.call-timeout", "20s",
                "scp.vacp.platform.call-timeout", "20s"));
    api = node.client();
    vacp = new VacpFixture(api);
  }

  @AfterAll
  static void stop() {
    senders.shutdownNow();
    vacp.close();
    node.close();
  }

  /** A consumer authorised with {@code terms} and a pull setting for {@code msisdn}. */
  static Platform consumer(String capability, String terms, String msisdn, Platform provider) {
    Platform consumer = vacp.platform(1, "central");
    vacp.authorize(consumer, capability, VALID + "," + terms);
    vacp.subscribe(msisdn, consumer.id());
    var r =
        consumer
            .client()
            .put(VacpFixture.interworkingPath(msisdn, consumer, capability), "{\"mode\":\"PULL\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return consumer;
  }

  static ApiClient.Response invoke(
      Platform consumer, String invocationId, String msisdn, String capability) {
    return consumer
        .client()
        .post(
            "/v1/vacp/invocations",
            "{\"invocationId\":\""
                + invocationId
                + "\",\"msisdn\":\""
                + msisdn
                + "\",\"capability\":\""
                + capability
                + "\"}");
  }

  static JsonNode routing(Platform provider) {
    var r = api.get("/v1/vacp/routing/" + provider.id());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  @Test
  void aBurstOverTheBucketIsThrottledWithRetryAfter() throws Exception {
    Platform provider = vacp.platform(1, "central");
    String capability = vacp.capability(provider, "PULL");
    String msisdn = vacp.subscriber(null, provider.id());
    Platform consumer = consumer(capability, "\"ratePerSecond\":5,\"burst\":5", msisdn, provider);

    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger throttled = new AtomicInteger();
    AtomicLong ids = new AtomicLong();
    List<String> retryAfter = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + Duration.ofMillis(2000).toNanos();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      workers.add(
          CompletableFuture.runAsync(
              () -> {
                while (System.nanoTime() < end) {
                  var r = invoke(consumer, "burst-" + ids.incrementAndGet(), msisdn, capability);
                  if (r.status() == 200) {
                    admitted.incrementAndGet();
                  } else {
                    assertThat(r.status()).as(r.toString()).isEqualTo(429);
                    assertThat(r.code()).isEqualTo("THROTTLED");
                    synchronized (retryAfter) {
                      retryAfter.add(r.header("Retry-After"));
                    }
                    throttled.incrementAndGet();
                  }
                }
              },
              senders));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - start) / 1e9;

    double expected = 5 + 5 * seconds;
    assertThat(throttled.get()).as("requests over the bucket").isGreaterThan(0);
    assertThat((double) admitted.get())
        .as("admitted in %.2f s at 5/s with a burst of 5", seconds)
        .isBetween(expected - 4, expected + 1);
    assertThat(retryAfter)
        .as("at 5/s the next token is less than a second away")
        .allSatisfy(h -> assertThat(h).isEqualTo("1"));
    assertThat(provider.stub().received("invoke")).hasSize(admitted.get());
  }

  @Test
  void underContentionHigherPriorityConsumersAreServedFirst() throws Exception {
    try (GatedProvider gated = GatedProvider.start()) {
      Platform provider = gated.register();
      String capability = vacp.capability(provider, "PULL");
      String msisdn = vacp.subscriber(null, provider.id());
      String generous = "\"ratePerSecond\":100,\"burst\":100";
      Platform low = consumer(capability, generous + ",\"priority\":1", msisdn, provider);
      Platform high = consumer(capability, generous + ",\"priority\":8", msisdn, provider);

      // the first call holds the provider's one slot until the gate opens; the others queue
      List<CompletableFuture<ApiClient.Response>> calls = new ArrayList<>();
      calls.add(send(low, "first", msisdn, capability));
      await().atMost(Duration.ofSeconds(10)).until(() -> gated.order().size() == 1);
      int queued = 0;
      for (String id : List.of("low-1", "low-2", "low-3", "high-1", "high-2", "high-3")) {
        calls.add(send(id.startsWith("low") ? low : high, id, msisdn, capability));
        int expected = ++queued;
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> routing(provider).get("queued").asInt() == expected);
      }
      assertThat(routing(provider).get("inFlight").asInt()).isEqualTo(1);
      gated.open();
      calls.forEach(c -> assertThat(c.join().status()).as(c.join().toString()).isEqualTo(200));

      assertThat(gated.order())
          .containsExactly("first", "high-1", "high-2", "high-3", "low-1", "low-2", "low-3");
    }
  }

  /**
   * A provider platform that records the invocation ids it is called with, in order, and answers
   * only once its gate is open.
   */
  static final class GatedProvider implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final List<String> order = new CopyOnWriteArrayList<>();

    private GatedProvider(HttpServer server) {
      this.server = server;
    }

    static GatedProvider start() throws IOException {
      var gated = new GatedProvider(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
      gated.server.createContext("/", gated::handle);
      gated.server.setExecutor(gated.executor);
      gated.server.start();
      return gated;
    }

    Platform register() {
      String id = VacpFixture.newId("pf-gated");
      var r =
          api.put(
              "/v1/vacp/platforms/" + id,
              "{\"serviceClass\":1,\"callbackUrl\":\"http://127.0.0.1:"
                  + server.getAddress().getPort()
                  + "/gated\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      String key = r.json().get("apiKey").asText();
      return new Platform(id, key, null, api.withToken(key));
    }

    List<String> order() {
      return List.copyOf(order);
    }

    void open() {
      gate.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        byte[] body = exchange.getRequestBody().readAllBytes();
        if (exchange.getRequestURI().getPath().endsWith("/invoke")) {
          order.add(new ObjectMapper().readTree(body).path("invocationId").asText());
          gate.await(30, TimeUnit.SECONDS);
        }
        byte[] out = "{\"result\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      open();
      server.stop(0);
      executor.shutdownNow();
    }
  }

  static CompletableFuture<ApiClient.Response> send(
      Platform consumer, String id, String msisdn, String capability) {
    return CompletableFuture.supplyAsync(() -> invoke(consumer, id, msisdn, capability), senders);
  }

  @Test
  void theBreakerOpensAfterFailuresAndRecoversThroughAProbe() {
    Platform provider = vacp.platform(1, "central");
    StubPlatform stub = provider.stub();
    stub.answer("invoke", 500, "{}");
    String capability = vacp.capability(provider, "PULL");
    String msisdn = vacp.subscriber(null, provider.id());
    Platform consumer = consumer(capability, "\"ratePerSecond\":100", msisdn, provider);
    AtomicLong ids = new AtomicLong();

    for (int i = 0; i < 3; i++) {
      var failed = invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability);
      assertThat(failed.status()).as(failed.toString()).isEqualTo(502);
      assertThat(failed.code()).isEqualTo("PROVIDER_FAILED");
    }
    var open = invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability);
    assertThat(open.status()).as(open.toString()).isEqualTo(503);
    assertThat(open.code()).isEqualTo("UNAVAILABLE");
    assertThat(Long.parseLong(open.header("Retry-After"))).isBetween(1L, 2L);
    assertThat(stub.received("invoke")).as("an open breaker calls nobody").hasSize(3);
    assertThat(routing(provider).get("breaker").asText()).isEqualTo("OPEN");

    // after the cool-down one probe goes through; it fails, so the breaker opens again
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability).status() == 502);
    assertThat(stub.received("invoke")).hasSize(4);
    assertThat(invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability).status())
        .isEqualTo(503);

    stub.answer("invoke", 200, "{\"result\":\"back\"}");
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability).status() == 200);
    assertThat(routing(provider).get("breaker").asText()).isEqualTo("CLOSED");
    var again = invoke(consumer, "b-" + ids.incrementAndGet(), msisdn, capability);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("result").asText()).isEqualTo("back");
  }
}
