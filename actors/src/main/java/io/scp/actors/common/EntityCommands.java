package io.scp.actors.common;

import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * An entity class's command handlers, built once for all its instances.
 *
 * <p>Pekko keeps what an entity's {@code commandHandler()} returns for as long as the entity lives.
 * Built with Pekko's builder from method references to the instance, that is every case, its two
 * lambdas and a list cell per live entity: 2.6 KiB of a live call's heap (30 cases, measured with
 * the benchmark's held calls). Here each case takes the entity as its first argument, the table is
 * shared, and {@link #of} binds it to one entity with one small object.
 *
 * <p>States and commands are matched by their exact class, so they must be final (records, enums
 * without constant bodies) — checked when a case is added. A command without a case for the
 * entity's state is a programming error and fails the entity, as it does with Pekko's builder.
 *
 * @param <E> the entity
 * @param <C> its commands
 * @param <V> its events
 * @param <S> its state
 */
public final class EntityCommands<E, C, V, S> {
  /** One case: the entity, its state (of the case's state class) and the command. */
  @FunctionalInterface
  public interface Case<E, X, M, V, S> {
    ReplyEffect<V, S> apply(E entity, X state, M command);
  }

  private final Map<Class<?>, Map<Class<?>, Case<E, Object, Object, V, S>>> cases;
  private final Map<Class<?>, Case<E, Object, Object, V, S>> anyState;

  private EntityCommands(
      Map<Class<?>, Map<Class<?>, Case<E, Object, Object, V, S>>> cases,
      Map<Class<?>, Case<E, Object, Object, V, S>> anyState) {
    this.cases = cases;
    this.anyState = anyState;
  }

  public static <E, C, V, S> Builder<E, C, V, S> builder() {
    return new Builder<>();
  }

  /** The handler Pekko asks the entity for: this table, applied to {@code entity}. */
  public CommandHandlerWithReply<C, V, S> of(E entity) {
    return (state, command) -> handle(entity, state, command);
  }

  private ReplyEffect<V, S> handle(E entity, S state, C command) {
    Map<Class<?>, Case<E, Object, Object, V, S>> forState = cases.get(state.getClass());
    Case<E, Object, Object, V, S> handler =
        forState == null ? null : forState.get(command.getClass());
    if (handler == null) handler = anyState.get(command.getClass());
    if (handler == null) {
      throw new IllegalStateException(
          "no handler for "
              + command.getClass().getSimpleName()
              + " in state "
              + state.getClass().getSimpleName());
    }
    return handler.apply(entity, state, command);
  }

  public static final class Builder<E, C, V, S> {
    private final Map<Class<?>, Map<Class<?>, Case<E, Object, Object, V, S>>> cases =
        new HashMap<>();
    private final Map<Class<?>, Case<E, Object, Object, V, S>> anyState = new HashMap<>();

    private Builder() {}

    /** Cases for every state, for commands that the entity's state has no case of its own for. */
    public StateCases<S> forAnyState() {
      return new StateCases<>(anyState);
    }

    /** The cases for one state class; call again for the next. */
    public <X extends S> StateCases<X> forState(Class<X> state) {
      requireExact(state);
      return new StateCases<>(cases.computeIfAbsent(state, s -> new HashMap<>()));
    }

    public EntityCommands<E, C, V, S> build() {
      Map<Class<?>, Map<Class<?>, Case<E, Object, Object, V, S>>> copy = new HashMap<>();
      cases.forEach((state, forState) -> copy.put(state, Map.copyOf(forState)));
      return new EntityCommands<>(Map.copyOf(copy), Map.copyOf(anyState));
    }

    public final class StateCases<X extends S> {
      private final Map<Class<?>, Case<E, Object, Object, V, S>> forState;

      private StateCases(Map<Class<?>, Case<E, Object, Object, V, S>> forState) {
        this.forState = forState;
      }

      @SuppressWarnings("unchecked")
      public <M extends C> StateCases<X> on(Class<M> command, Case<E, X, M, V, S> handler) {
        requireExact(command);
        if (forState.putIfAbsent(command, (Case<E, Object, Object, V, S>) handler) != null) {
          throw new IllegalArgumentException(command.getSimpleName() + " has a case already");
        }
        return this;
      }
    }

    private static void requireExact(Class<?> type) {
      if (!Modifier.isFinal(type.getModifiers())) {
        throw new IllegalArgumentException(
            type.getName() + " is not final: its subclasses would find no case");
      }
    }
  }
}
