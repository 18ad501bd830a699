package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.StubPlatform;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
                "scp.vacp.routing.call-timeout", "2s",
                "scp.vacp.platform.call-timeout", "2s"));
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
  void underContentionHigherPriorityConsumersAreServedFirst() {
    Platform provider = vacp.platform(1, "central");
    provider.stub().answerAfter("invoke", Duration.ofMillis(1000));
    String capability = vacp.capability(provider, "PULL");
    String msisdn = vacp.subscriber(null, provider.id());
    String generous = "\"ratePerSecond\":100,\"burst\":100";
    Platform low = consumer(capability, generous + ",\"priority\":1", msisdn, provider);
    Platform high = consumer(capability, generous + ",\"priority\":8", msisdn, provider);

    List<CompletableFuture<ApiClient.Response>> calls = new ArrayList<>();
    calls.add(send(low, "first", msisdn, capability));
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> routing(provider).get("inFlight").asInt() == 1);
    int queued = 0;
    for (String id : List.of("low-1", "low-2", "low-3", "high-1", "high-2", "high-3")) {
      calls.add(send(id.startsWith("low") ? low : high, id, msisdn, capability));
      int expected = ++queued;
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> routing(provider).get("queued").asInt() >= expected);
    }
    calls.forEach(c -> assertThat(c.join().status()).as(c.join().toString()).isEqualTo(200));

    List<String> order =
        provider.stub().received("invoke").stream()
            .map(r -> r.fields().get("invocationId"))
            .toList();
    assertThat(order)
        .containsExactly("first", "high-1", "high-2", "high-3", "low-1", "low-2", "low-3");
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
