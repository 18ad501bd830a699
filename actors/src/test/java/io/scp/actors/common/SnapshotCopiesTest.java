package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vpn.PostpaidCallWatch;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SnapshotCopiesTest {

  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void theSnapshotStoreGetsTheStateAsItWasNotTheCollectionsTheEntityGoesOnChanging() {
    var callIds = new LinkedHashSet<>(List.of("call-1", "call-2"));
    var state = new PostpaidCallWatch.State(callIds);
    var adapter = new SnapshotCopies<PostpaidCallWatch.State>(testKit.system());

    Object snapshot = adapter.toJournal(state);
    // what the event handler does next, while the snapshot store may still be serializing
    callIds.add("call-3");
    callIds.remove("call-1");

    assertThat(snapshot).isInstanceOf(PostpaidCallWatch.State.class).isNotSameAs(state);
    assertThat(((PostpaidCallWatch.State) snapshot).callIds()).containsExactly("call-1", "call-2");
    assertThat(adapter.fromJournal(snapshot)).isSameAs(snapshot);
  }
}
