package io.scp.actors.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.junit.jupiter.api.Test;

/** The shared command table: exact classes, one case each, a missing case fails loudly. */
class EntityCommandsTest {
  sealed interface Command permits Ping, Pong {}

  record Ping() implements Command {}

  record Pong() implements Command {}

  sealed interface State permits Idle {}

  record Idle() implements State {}

  /** Stands for an entity: what the case was given, to check the binding. */
  static final class Entity {
    Object seen;
  }

  static class Open {}

  @Test
  void casesGetTheBoundEntityTheStateAndTheCommand() {
    EntityCommands.Builder<Entity, Command, Object, State> builder = EntityCommands.builder();
    builder.forState(Idle.class).on(Ping.class, (e, s, c) -> remember(e, c));
    builder.forAnyState().on(Ping.class, (e, s, c) -> null);
    var table = builder.build();
    Entity one = new Entity();
    Entity two = new Entity();
    Ping ping = new Ping();
    table.of(one).apply(new Idle(), ping);
    assertThat(one.seen).as("the state's own case before the any-state one").isSameAs(ping);
    assertThat(two.seen).isNull();
    assertThatThrownBy(() -> table.of(two).apply(new Idle(), new Pong()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no handler for Pong in state Idle");
  }

  @Test
  void anyStateCasesServeCommandsTheStateHasNoCaseFor() {
    EntityCommands.Builder<Entity, Command, Object, State> builder = EntityCommands.builder();
    builder.forState(Idle.class).on(Ping.class, (e, s, c) -> null);
    builder.forAnyState().on(Pong.class, (e, s, c) -> remember(e, c));
    Entity one = new Entity();
    Pong pong = new Pong();
    builder.build().of(one).apply(new Idle(), pong);
    assertThat(one.seen).isSameAs(pong);
  }

  @Test
  void classesThatCouldHaveSubclassesAndRepeatedCasesAreRefused() {
    EntityCommands.Builder<Entity, Object, Object, Object> builder = EntityCommands.builder();
    assertThatThrownBy(() -> builder.forState(Open.class)).hasMessageContaining("is not final");
    var idle = builder.forState(Idle.class).on(Ping.class, (e, s, c) -> null);
    assertThatThrownBy(() -> idle.on(Ping.class, (e, s, c) -> null))
        .hasMessage("Ping has a case already");
  }

  private static ReplyEffect<Object, State> remember(Entity entity, Object command) {
    entity.seen = command;
    return null;
  }
}
