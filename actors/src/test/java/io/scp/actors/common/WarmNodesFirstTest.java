package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WarmNodesFirstTest {
  @Test
  void aNodeUpForLessThanTheWarmUpIsNotWarm() {
    Instant now = Instant.parse("2026-11-22T12:00:00Z");
    Duration warmUp = Duration.ofSeconds(30);
    assertThat(WarmNodesFirst.isWarm(now.minusSeconds(29), now, warmUp)).isFalse();
    assertThat(WarmNodesFirst.isWarm(now.minusSeconds(30), now, warmUp)).isTrue();
    assertThat(WarmNodesFirst.isWarm(Instant.EPOCH, now, warmUp))
        .as("up before we joined")
        .isTrue();
  }

  @Test
  void orphanedShardsGoToWarmRegionsOnlyWhileThereAreAny() {
    var allocations = Map.of("restarted", 2, "warm", 60, "also-warm", 70);
    Set<String> warm = Set.of("warm", "also-warm");
    assertThat(WarmNodesFirst.candidates(allocations, warm::contains))
        .as("the cold node with the fewest shards is passed over")
        .containsOnlyKeys("warm", "also-warm");

    var forming = Map.of("a", 0, "b", 0);
    assertThat(WarmNodesFirst.candidates(forming, r -> false))
        .as("a forming cluster allocates as usual")
        .containsOnlyKeys("a", "b");
  }
}
