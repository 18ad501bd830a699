package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.junit.jupiter.api.Test;

class ShardIdsTest {
  private static final int SHARDS = 32;

  /** Ids as operators provision them: a fixed prefix and a running number. */
  @Test
  void consecutiveIdsSpreadOverAllShardsEvenly() {
    for (String prefix : List.of("lt-chaos9xz-acc-", "lt-chaosabc1-acc-", "8615000001", "sub-")) {
      int[] perShard = new int[SHARDS];
      IntStream.range(0, 3_200)
          .forEach(i -> perShard[Integer.parseInt(ShardIds.shardOf(prefix + i, SHARDS))]++);
      // 100 ids per shard on average; String.hashCode mod 32 left shards empty for some prefixes
      assertThat(IntStream.of(perShard).min().orElseThrow()).as(prefix).isGreaterThan(60);
      assertThat(IntStream.of(perShard).max().orElseThrow()).as(prefix).isLessThan(140);
    }
  }

  @Test
  void theExtractorUsesTheSameShardsAndUnwrapsTheEnvelope() {
    var extractor = new ShardIds<String>(SHARDS);
    var envelope = new ShardingEnvelope<>("acc-42", "hello");
    assertThat(extractor.entityId(envelope)).isEqualTo("acc-42");
    assertThat(extractor.shardId("acc-42")).isEqualTo(ShardIds.shardOf("acc-42", SHARDS));
    assertThat(extractor.unwrapMessage(envelope)).isEqualTo("hello");
    assertThat(Integer.parseInt(extractor.shardId("x"))).isBetween(0, SHARDS - 1);
  }

  /**
   * The mapping is part of the stored data (remember-entities stores name entities by shard): a
   * change here must come with a reset of the shard layout, so pin it.
   */
  @Test
  void theMappingDoesNotChangeUnnoticed() {
    assertThat(ShardIds.mix(0)).isZero();
    assertThat(ShardIds.mix(1)).isEqualTo(0x514e28b7);
  }
}
