package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.sipuri.SipUriSlot;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pool of 100 000 URIs provisioned by range over HTTP, then used. Prints the time and the heap it
 * took (figures for docs/sip-uri.md); bounded by the test's timeout, not by a speed assertion.
 */
class SipUriPoolScaleTest {
  static final int SIZE = 100_000;
  static final int ALLOCATIONS = 1000;
  static final int CLIENTS = 8;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void oneHundredThousandUris() throws Exception {
    try (TestNode node = TestNode.start(Map.of("scp.sip-uri.slot-idle-timeout", "20s"))) {
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

      long heapProvisioned = usedHeapAfterGc();

      start = System.nanoTime();
      Set<String> uris = ConcurrentHashMap.newKeySet();
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> answers = new ArrayList<>();
      try {
        for (int i = 0; i < ALLOCATIONS; i++) {
          String msisdn = "86139" + (100_000 + i);
          answers.add(
              clients.submit(
                  () -> {
                    var a =
                        api.post(
                            "/v1/sip-uri-pools/" + poolId + "/allocations",
                            "{\"msisdn\":\"" + msisdn + "\"}");
                    assertThat(a.status()).as(a.toString()).isEqualTo(200);
                    uris.add(a.json().get("uri").asText());
                  }));
        }
        for (Future<?> answer : answers) answer.get(2, TimeUnit.MINUTES);
      } finally {
        clients.shutdownNow();
      }
      long allocationMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(uris).hasSize(ALLOCATIONS);
      var pool = api.get("/v1/sip-uri-pools/" + poolId).json();
      assertThat(pool.get("total").asInt()).isEqualTo(SIZE);
      assertThat(pool.get("occupied").asInt()).isEqualTo(ALLOCATIONS);
      long heapAllocated = usedHeapAfterGc();
      int live = liveSlots(node);
      await().atMost(Duration.ofSeconds(60)).until(() -> liveSlots(node) == 0);
      long heapPassivated = usedHeapAfterGc();

      System.out.printf(
          "SIP-URI scale: provisioned %d URIs in %d ms (%.0f URIs/s), heap +%d KiB (%.1f bytes"
              + " per URI); %d allocations by %d clients in %d ms; %d live slot entities cost"
              + " %.0f bytes each%n",
          SIZE,
          provisioningMillis,
          SIZE * 1000.0 / provisioningMillis,
          (heapProvisioned - heapBefore) >> 10,
          (heapProvisioned - heapBefore) / (double) SIZE,
          ALLOCATIONS,
          CLIENTS,
          allocationMillis,
          live,
          (heapAllocated - heapPassivated) / (double) live);
      assertThat(live).isGreaterThan(ALLOCATIONS / 2);
    }
  }

  /** SIP-URI slot entities alive on the node. */
  private static int liveSlots(TestNode node) {
    ActorSystem<Void> system = node.node().system();
    return AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(),
            r -> new GetShardRegionState(SipUriSlot.KEY, r),
            Duration.ofSeconds(5),
            system.scheduler())
        .toCompletableFuture()
        .join()
        .getShards()
        .stream()
        .mapToInt(shard -> shard.getEntityIds().size())
        .sum();
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
