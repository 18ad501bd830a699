package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The built jar logging at DEBUG, its most talkative level, while it is handed every kind of secret
 * the product knows: API tokens (right and wrong ones), the database password (as a setting and
 * inside the JDBC URL), SIP-URI passwords and VACP API keys. None of them may reach the log of the
 * node or of its database.
 */
class SecretsStayOutOfTheLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir =
      Path.of("target", "secrets-test", "run-" + System.nanoTime()).toAbsolutePath();
  private final NodeJar jar = new NodeJar(dataDir);

  @AfterEach
  void stopEverything() {
    jar.stopAll();
  }

  @Test
  void noSecretIsLoggedEvenAtDebug() throws Exception {
    String operatorToken = secret("op");
    String frontendToken = secret("fe");
    String wrongToken = secret("guess");
    String dbPasswordSetting = secret("dbpw");
    String dbPasswordInUrl = secret("urlpw");
    String sipPassword = secret("sip");

    int dbPort = NodeJar.freePort();
    Process db =
        jar.start(
            "db",
            Map.of(
                "SCP_DATA_DIR", dataDir.resolve("db").toString(),
                "SCP_DB_PORT", Integer.toString(dbPort)));
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Files.readString(jar.log(db)).contains("SCP_DB_URL="));

    int http = NodeJar.freePort();
    int management = NodeJar.freePort();
    Process node =
        jar.start(
            null,
            Map.of(
                "SCP_DATA_DIR",
                dataDir.resolve("node").toString(),
                "SCP_HTTP_PORT",
                Integer.toString(http),
                "SCP_MANAGEMENT_PORT",
                Integer.toString(management),
                "SCP_REMOTE_PORT",
                Integer.toString(NodeJar.freePort()),
                "SCP_LOG_LEVEL",
                "DEBUG",
                "SCP_API_TOKENS",
                "operator=" + operatorToken + ",frontend=" + frontendToken,
                "SCP_DB_URL",
                "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres?password=" + dbPasswordInUrl,
                "SCP_DB_USER",
                "postgres",
                "SCP_DB_PASSWORD",
                dbPasswordSetting));
    jar.awaitReady(node, management);
    String api = "http://127.0.0.1:" + http;

    assertThat(NodeJar.send("GET", api + "/v1/accounts/a-1", wrongToken, null).statusCode())
        .isEqualTo(401);
    assertThat(
            NodeJar.send("GET", api + "/v1/accounts/a-1", frontendToken + "x", null).statusCode())
        .isEqualTo(401);
    assertThat(
            NodeJar.send("GET", api + "/v1/accounts/a-1", operatorToken + " extra", null)
                .statusCode())
        .as("an Authorization header HTTP's grammar refuses, holding the right token")
        .isEqualTo(401);
    assertThat(
            NodeJar.send("PUT", api + "/v1/accounts/a-1", frontendToken, "{\"balance\":5}")
                .statusCode())
        .as("a front end may not open accounts")
        .isEqualTo(403);
    assertThat(
            NodeJar.send("PUT", api + "/v1/accounts/a-1", operatorToken, "{\"balance\":5}")
                .statusCode())
        .isEqualTo(201);

    assertThat(NodeJar.send("PUT", api + "/v1/sip-uri-pools/p-1", operatorToken, "{}").statusCode())
        .isEqualTo(201);
    var added =
        NodeJar.send(
            "POST",
            api + "/v1/sip-uri-pools/p-1/uris",
            operatorToken,
            "{\"uris\":[{\"uri\":\"sip:tmp-1@ims.example.com\",\"password\":\""
                + sipPassword
                + "\"}]}");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    var allocation =
        NodeJar.send(
            "POST",
            api + "/v1/sip-uri-pools/p-1/allocations",
            frontendToken,
            "{\"msisdn\":\"8613800000001\"}");
    assertThat(json(allocation).path("password").asText()).isEqualTo(sipPassword);

    var platform =
        NodeJar.send(
            "PUT",
            api + "/v1/vacp/platforms/weather",
            operatorToken,
            "{\"name\":\"Weather\",\"serviceClass\":1,\"callbackUrl\":\"http://127.0.0.1:9/cb\"}");
    String apiKey = json(platform).path("apiKey").asText();
    assertThat(apiKey).as(platform.body()).startsWith("vacp_");
    var capability =
        NodeJar.send(
            "PUT",
            api + "/v1/vacp/capabilities/forecast",
            apiKey,
            "{\"service\":\"weather\",\"name\":\"Forecast\",\"description\":\"Tomorrow\",\"style\":\"PULL\"}");
    assertThat(capability.statusCode()).as(capability.body()).isEqualTo(201);
    assertThat(
            NodeJar.send("GET", api + "/v1/vacp/platforms/weather", apiKey + "x", null)
                .statusCode())
        .isEqualTo(401);

    node.destroy(); // SIGTERM: a clean stop, its shutdown logged too
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    db.destroy();
    assertThat(db.waitFor(60, TimeUnit.SECONDS)).isTrue();

    String nodeLog = Files.readString(jar.log(node));
    String dbLog = Files.readString(jar.log(db));
    assertThat(nodeLog)
        .as("the node logged at DEBUG")
        .contains(" DEBUG ")
        .contains("serving the API");
    for (String secret :
        List.of(
            operatorToken,
            frontendToken,
            wrongToken,
            dbPasswordSetting,
            dbPasswordInUrl,
            sipPassword,
            apiKey)) {
      assertThat(nodeLog).as("node log").doesNotContain(secret);
      assertThat(dbLog).as("database log").doesNotContain(secret);
    }
  }

  private static String secret(String kind) {
    return kind + "-" + UUID.randomUUID().toString().replace("-", "");
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }
}
