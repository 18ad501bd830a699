package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.account.PrepaidAccount;
import io.scp.api.proto.ClusterView;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator endpoints of one node with tokens on: who may read them, and in which encodings; the
 * metrics stay open to scrapes.
 */
class OpsApiTest {
  static TestNode node;
  static ApiClient anonymous;
  static ApiClient operator;
  static ApiClient frontend;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.api-tokens", "operator=ops-op-token,frontend=ops-fe-token"));
    anonymous = node.client();
    operator = anonymous.withToken("ops-op-token");
    frontend = anonymous.withToken("ops-fe-token");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void clusterViewIsForOperatorsOnly() {
    assertThat(anonymous.get("/v1/ops/cluster").status()).isEqualTo(401);
    assertThat(frontend.get("/v1/ops/cluster").status()).isEqualTo(403);
    var r = operator.get("/v1/ops/cluster");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    // Until sharding's coordinator knows the regions, a type lists none.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                operator
                        .get("/v1/ops/cluster")
                        .json()
                        .path("shards")
                        .path(PrepaidAccount.KEY.name())
                        .size()
                    > 0);
    var view = operator.get("/v1/ops/cluster").json();
    assertThat(view.get("members")).hasSize(1);
    assertThat(view.get("leader").asText()).isEqualTo(view.get("self").asText());
    assertThat(view.get("members").get(0).get("address").asText())
        .isEqualTo(view.get("self").asText());
    assertThat(view.get("members").get(0).get("status").asText()).isEqualTo("Up");
    assertThat(view.get("unreachable").isArray()).isTrue();
    var accounts = view.get("shards").get(PrepaidAccount.KEY.name());
    assertThat(accounts.isArray()).as(view.toString()).isTrue();
    assertThat(accounts.get(0).get("address").asText()).isEqualTo(view.get("self").asText());
    assertThat(accounts.get(0).has("shards")).isTrue();
    assertThat(accounts.get(0).has("entities")).isTrue();
  }

  @Test
  void clusterViewInProtobuf() throws Exception {
    var r = operator.withHeader("Accept", "application/x-protobuf").get("/v1/ops/cluster");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).contains("application/x-protobuf");
    ClusterView view = ClusterView.parseFrom(r.body());
    assertThat(view.getMembersCount()).isEqualTo(1);
    assertThat(view.getLeader()).isEqualTo(view.getSelf());
    assertThat(view.getShardsMap()).containsKey(PrepaidAccount.KEY.name());
  }

  @Test
  void metricsAreOpenToScrapesWithoutATokenWhenTokensAreOn() {
    // A refused request, so that the scrape has a 4xx series to show.
    assertThat(anonymous.get("/v1/ops/cluster").status()).isEqualTo(401);
    var r = anonymous.get("/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/plain").contains("version=0.0.4");
    String text = new String(r.body());
    assertThat(text)
        .contains("# TYPE scp_http_request_duration_seconds histogram")
        .contains("# TYPE scp_journal_write_seconds histogram")
        .contains("scp_cluster_members{status=\"up\"} 1.0")
        .contains("scp_sharding_entities{entity_type=\"" + PrepaidAccount.KEY.name() + "\"}")
        .contains("status=\"4xx\"");
    // The JVM's own figures, as the benchmark reads the heap against the bar of quality.md.
    var heap = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$").matcher(text);
    assertThat(heap.find()).as("heap in use").isTrue();
    assertThat(Double.parseDouble(heap.group(1))).isPositive();
    assertThat(text).contains("# TYPE jvm_gc_collection_seconds summary");
  }
}
