package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fan-out survives a node restart: an event whose delivery is still pending when the node stops
 * is delivered by the next node on the same database, without any request waking it up (the event
 * entity is remembered by sharding).
 */
class VacpPushRestartTest {
  static final Map<String, Object> SETTINGS =
      Map.of(
          "scp.vacp.platform.call-timeout", "1s",
          "scp.vacp.push.retry-delay", "300ms",
          "scp.vacp.push.max-retry-delay", "1s",
          "scp.vacp.push.max-attempts", 100);

  @Test
  void aPendingDeliveryIsMadeAfterTheNodeRestarts() {
    String eventId = VacpFixture.newId("ev");
    Platform consumer;
    Platform provider;
    try (TestNode node = TestNode.start(SETTINGS);
        VacpFixture vacp = new VacpFixture(node.client())) {
      provider = vacp.platform(1, "central");
      String capability = vacp.capability(provider, "PUSH");
      consumer = vacp.platform(1, "central");
      vacp.authorize(
          consumer,
          capability,
          "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\",\"priority\":3");
      String msisdn = vacp.subscriber(null, provider.id(), consumer.id());
      assertThat(
              consumer
                  .client()
                  .put(
                      VacpFixture.interworkingPath(msisdn, consumer, capability),
                      "{\"mode\":\"PUSH\"}")
                  .status())
          .isEqualTo(201);
      consumer.stub().answer("events", 503, "{}");

      var accepted =
          provider
              .client()
              .post(
                  "/v1/vacp/events",
                  "{\"eventId\":\""
                      + eventId
                      + "\",\"capabilityId\":\""
                      + capability
                      + "\",\"msisdn\":\""
                      + msisdn
                      + "\",\"payload\":{\"n\":1}}");
      assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  provider
                          .client()
                          .get("/v1/vacp/events/" + eventId)
                          .json()
                          .path("deliveries")
                          .path(0)
                          .path("attempts")
                          .asInt()
                      >= 2);
      node.close();

      int beforeRestart = consumer.stub().received("events").size();
      consumer.stub().answer("events", 200, "{}");
      try (TestNode restarted = TestNode.start(SETTINGS)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> consumer.stub().received("events").size() > beforeRestart);
        var client = restarted.client().withToken(provider.apiKey());
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> delivery(client.get("/v1/vacp/events/" + eventId).json()) != null);
        JsonNode delivery = delivery(client.get("/v1/vacp/events/" + eventId).json());
        assertThat(delivery.get("platformId").asText()).isEqualTo(consumer.id());
        assertThat(delivery.get("attempts").asInt()).isGreaterThan(2);
      }
    }
  }

  /** The one delivery once it is DELIVERED, else null. */
  static JsonNode delivery(JsonNode event) {
    JsonNode d = event.path("deliveries").path(0);
    return d.path("status").asText().equals("DELIVERED") ? d : null;
  }
}
