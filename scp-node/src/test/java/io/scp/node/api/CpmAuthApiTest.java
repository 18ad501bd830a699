package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.WsDevice;
import java.net.URLEncoder;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CPM streams on a node as deployed: bearer tokens on (the WebSocket takes its token from the
 * Authorization header of the upgrade request), and server pings that keep a quiet socket from
 * reaching the HTTP idle timeout. Its own node, started after the other test classes' nodes have
 * stopped (two clusters must not share the journal at once).
 */
class CpmAuthApiTest {
  private static final Duration FRAME_WAIT = Duration.ofSeconds(10);
  private static final Map<String, String> FRONTEND = Map.of("Authorization", "Bearer fe-secret");

  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            Map.of(
                "scp.api-tokens", "operator=op-secret,frontend=fe-secret",
                "pekko.http.server.websocket.periodic-keep-alive-max-idle", "1s"));
    anonymous = node.client();
    operator = anonymous.withToken("op-secret");
    frontend = anonymous.withToken("fe-secret");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String enc(String address) {
    return URLEncoder.encode(address, StandardCharsets.UTF_8);
  }

  static String user() {
    String user = "sip:" + unique("secure") + "@cpm.example.com";
    assertThat(operator.put("/v1/cpm/users/" + enc(user), "{}").status()).isEqualTo(201);
    return user;
  }

  static void send(String id, String to) {
    var r =
        frontend.post(
            "/v1/cpm/messages",
            "{\"messageId\":\""
                + id
                + "\",\"from\":\"sip:any@cpm.example.com\",\"to\":[\""
                + to
                + "\"],\"body\":\"secret\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
  }

  @Test
  void rolesAreEnforcedAndTheStreamNeedsAFrontendToken() {
    String other = "sip:" + unique("secure") + "@cpm.example.com";
    assertThat(frontend.put("/v1/cpm/users/" + enc(other), "{}").status()).isEqualTo(403);
    String user = user();
    assertThat(anonymous.get("/v1/cpm/users/" + enc(user) + "/history").status()).isEqualTo(401);
    assertThat(frontend.get("/v1/cpm/users/" + enc(user) + "/history").status()).isEqualTo(200);
    assertThat(frontend.get("/v1/cpm/sms-outbox?to=8613800000001").status()).isEqualTo(403);

    assertThatThrownBy(() -> WsDevice.connect(anonymous.baseUrl(), user))
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(401));
    try (WsDevice phone = WsDevice.connect(anonymous.baseUrl(), user, FRONTEND)) {
      String id = unique("auth");
      send(id, user);
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(id);
    }
  }

  @Test
  void theServerPingsAQuietStream() {
    String user = user();
    try (WsDevice phone = WsDevice.connect(anonymous.baseUrl(), user, FRONTEND)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> phone.pings() >= 2);
      assertThat(phone.isClosed()).isFalse();
      String id = unique("late");
      send(id, user);
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(id);
    }
  }
}
