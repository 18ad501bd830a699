package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SubscriberApiTest {
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String newMsisdn() {
    return "86139" + (100_000_000L + ThreadLocalRandom.current().nextLong(899_999_999L));
  }

  @Test
  void provisionReadAndReplace() {
    String msisdn = newMsisdn();
    String body =
        "{\"imsi\":\"460011100612345\",\"homeRegion\":\"north\",\"status\":\"ACTIVE\",\"prepaidAccountId\":\"acc-9\"}";
    var created = api.put("/v1/subscribers/" + msisdn, body);
    assertThat(created.status()).isEqualTo(201);
    var s = created.json();
    assertThat(s.get("msisdn").asText()).isEqualTo(msisdn);
    assertThat(s.get("imsi").asText()).isEqualTo("460011100612345");
    assertThat(s.get("homeRegion").asText()).isEqualTo("north");
    assertThat(s.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(s.get("prepaidAccountId").asText()).isEqualTo("acc-9");
    assertThat(s.get("vpn").isNull()).isTrue();
    assertThat(s.get("services")).isEmpty();

    var same = api.put("/v1/subscribers/" + msisdn, body);
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.json()).isEqualTo(s);

    var postpaid =
        api.put(
            "/v1/subscribers/" + msisdn,
            "{\"imsi\":\"460011100612345\",\"homeRegion\":\"north\",\"status\":\"SUSPENDED\",\"prepaidAccountId\":null}");
    assertThat(postpaid.status()).isEqualTo(200);
    assertThat(postpaid.json().get("status").asText()).isEqualTo("SUSPENDED");
    assertThat(postpaid.json().get("prepaidAccountId").isNull()).isTrue();
    assertThat(api.get("/v1/subscribers/" + msisdn).json()).isEqualTo(postpaid.json());
  }

  @Test
  void servicesAreSubscribedAndRemovedIdempotently() {
    String msisdn = newMsisdn();
    api.put("/v1/subscribers/" + msisdn, "{\"imsi\":\"460011100600001\"}");
    assertThat(
            api.put("/v1/subscribers/" + msisdn + "/services/im-platform", "{}")
                .json()
                .get("services"))
        .extracting(n -> n.asText())
        .containsExactly("im-platform");
    api.put("/v1/subscribers/" + msisdn + "/services/im-platform", "{}");
    var two = api.put("/v1/subscribers/" + msisdn + "/services/weather", "{}");
    assertThat(two.json().get("services"))
        .extracting(n -> n.asText())
        .containsExactly("im-platform", "weather");
    var removed = api.delete("/v1/subscribers/" + msisdn + "/services/im-platform");
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().get("services"))
        .extracting(n -> n.asText())
        .containsExactly("weather");
    assertThat(api.delete("/v1/subscribers/" + msisdn + "/services/im-platform").status())
        .isEqualTo(200);
  }

  @Test
  void unknownSubscriberAndBadNumbers() {
    var missing = api.get("/v1/subscribers/" + newMsisdn());
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
    assertThat(api.put("/v1/subscribers/" + newMsisdn() + "/services/x", "{}").code())
        .isEqualTo("UNKNOWN_SUBSCRIBER");
    for (String bad : new String[] {"1234", "1234567890123456", "12ab5678", "%2B8613800"}) {
      var r = api.put("/v1/subscribers/" + bad, "{}");
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(api.put("/v1/subscribers/" + newMsisdn(), "{\"imsi\":\"12345\"}").status())
        .isEqualTo(400);
    assertThat(api.put("/v1/subscribers/" + newMsisdn(), "{\"status\":\"DELETED\"}").code())
        .isEqualTo("INVALID_ARGUMENT");
  }
}
