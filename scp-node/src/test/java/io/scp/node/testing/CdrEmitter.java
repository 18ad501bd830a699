package io.scp.node.testing;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Test-only stand-in for a chargeable entity: it persists whatever CDR it is given in an event that
 * implements {@link CdrEvent} and is tagged {@link CdrEvent#TAG}, through the real journal and the
 * real jackson-cbor serializer, exactly as a call entity closing a call does.
 */
public final class CdrEmitter {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final ActorSystem<?> system;
  private final ActorRef<Emit> entity;

  private CdrEmitter(ActorSystem<?> system, ActorRef<Emit> entity) {
    this.system = system;
    this.entity = entity;
  }

  /** A new emitter (its own persistence id) in {@code system}. */
  public static CdrEmitter start(ActorSystem<?> system) {
    String id = UUID.randomUUID().toString();
    return new CdrEmitter(
        system, system.systemActorOf(new Entity(id), "cdr-emitter-" + id, Props.empty()));
  }

  /** Persists one event carrying {@code cdr}; returns once the journal has acknowledged it. */
  public void emit(Cdr cdr) {
    AskPattern.<Emit, Done>ask(entity, r -> new Emit(cdr, r), TIMEOUT, system.scheduler())
        .toCompletableFuture()
        .join();
  }

  public record Emit(Cdr cdr, ActorRef<Done> replyTo) implements CborSerializable {}

  public record Emitted(Cdr cdr) implements CdrEvent, CborSerializable {
    @Override
    public Cdr chargingRecord() {
      return cdr;
    }
  }

  public record Emissions(long count) implements CborSerializable {}

  private static final class Entity extends EventSourcedBehavior<Emit, Emitted, Emissions> {
    Entity(String id) {
      super(PersistenceId.of("CdrEmitter", id));
    }

    @Override
    public Emissions emptyState() {
      return new Emissions(0);
    }

    @Override
    public CommandHandler<Emit, Emitted, Emissions> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Emit.class,
              emit ->
                  Effect()
                      .persist(new Emitted(emit.cdr()))
                      .thenRun(state -> emit.replyTo().tell(Done.done())))
          .build();
    }

    @Override
    public EventHandler<Emissions, Emitted> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(Emitted.class, (state, event) -> new Emissions(state.count() + 1))
          .build();
    }

    @Override
    public Set<String> tagsFor(Emitted event) {
      return Set.of(CdrEvent.TAG);
    }
  }
}
