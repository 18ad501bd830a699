package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.cpm.CpmGroup.Command;
import io.scp.actors.cpm.CpmGroup.Event;
import io.scp.actors.cpm.CpmGroup.State;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class CpmGroupTest {
  private static final ActorTestKit testKit = ActorTestKit.create(CpmTesting.CONFIG);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aGroupIsDefinedRedefinedAndRecovered() {
    EventSourcedBehaviorTestKit<Command, Event, State> group =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            CpmGroup.create("g-" + UUID.randomUUID()),
            EventSourcedBehaviorTestKit.enabledSerializationSettings());
    var unknown = group.<StatusReply<CpmGroup.GroupView>>runCommand(CpmGroup.Get::new).reply();
    assertThat(((Refusal) unknown.getError()).code()).isEqualTo(ErrorCode.UNKNOWN_GROUP);

    List<String> members = List.of("sip:a@example.com", "8613800000001");
    var created =
        group.<StatusReply<CpmGroup.Defined>>runCommand(
            r -> new CpmGroup.Define(Optional.of("team"), members, r));
    assertThat(created.reply().getValue().created()).isTrue();
    var same =
        group.<StatusReply<CpmGroup.Defined>>runCommand(
            r -> new CpmGroup.Define(Optional.of("team"), members, r));
    assertThat(same.hasNoEvents()).isTrue();
    assertThat(same.reply().getValue().created()).isFalse();
    var changed =
        group.<StatusReply<CpmGroup.Defined>>runCommand(
            r -> new CpmGroup.Define(Optional.of("team"), List.of("sip:b@example.com"), r));
    assertThat(changed.reply().getValue().group().members()).containsExactly("sip:b@example.com");

    group.restart();
    assertThat(
            group
                .<StatusReply<CpmGroup.GroupView>>runCommand(CpmGroup.Get::new)
                .reply()
                .getValue()
                .members())
        .containsExactly("sip:b@example.com");
  }
}
