package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pool of 100 000 URIs provisioned by range over HTTP, then used. Prints the time and the heap it
 * took (figures for docs/sip-uri.md); bounded by the test's timeout, not by a speed assertion.
 */
class SipUriPoolScaleTest {
  static final int SIZE = Integer.getInteger("scale.size", 100_000);

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void oneHundredThousandUris() {
    try (TestNode node = TestNode.start()) {
      ApiClient api = node.client();
      String poolId = "big-" + UUID.randomUUID();
      assertThat(api.put("/v1/sip-uri-pools/" + poolId, "{\"strategy\":\"IDLE_QUEUE\"}").status())
          .isEqualTo(201);
      long heapBefore = usedHeapAfterGc();

      long start = System.nanoTime();
      var added =
          api.withTimeout(Duration.ofMinutes(4))
              .post(
                  "/v1/sip-uri-pools/" + poolId + "/uris",
                  "{\"range\":{\"from\":0,\"to\":"
                      + (SIZE - 1)
                      + ",\"width\":6,\"template\":\"sip:+86139{n}@"
                      + poolId
                      + ".ims.example.com\"}}");
      long provisioningMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(added.status()).as(added.toString()).isEqualTo(200);
      assertThat(added.json().get("added").asInt()).isEqualTo(SIZE);

      start = System.nanoTime();
      Set<String> uris = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        var a =
            api.post(
                "/v1/sip-uri-pools/" + poolId + "/allocations",
                "{\"msisdn\":\"861390000" + (1000 + i) + "\"}");
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        uris.add(a.json().get("uri").asText());
      }
      long allocationMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(uris).hasSize(10);
      var pool = api.get("/v1/sip-uri-pools/" + poolId).json();
      assertThat(pool.get("total").asInt()).isEqualTo(SIZE);
      assertThat(pool.get("occupied").asInt()).isEqualTo(10);

      long heapAfter = usedHeapAfterGc();
      System.out.printf(
          "SIP-URI scale: provisioned %d URIs in %d ms (%.0f URIs/s); 10 allocations in %d ms;"
              + " heap %d MiB before, %d MiB after (+%d KiB, %.1f bytes per URI)%n",
          SIZE,
          provisioningMillis,
          SIZE * 1000.0 / provisioningMillis,
          allocationMillis,
          heapBefore >> 20,
          heapAfter >> 20,
          (heapAfter - heapBefore) >> 10,
          (heapAfter - heapBefore) / (double) SIZE);
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
