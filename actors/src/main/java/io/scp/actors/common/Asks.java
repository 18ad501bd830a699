package io.scp.actors.common;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Every ask the SCP makes, continued on the thread that answered it.
 *
 * <p>Pekko's Java asks return Scala's {@code CompletableFuture} wrapper, which turns every plain
 * {@code thenApply}, {@code thenCompose} or {@code whenComplete} into its {@code *Async} form: each
 * step after an ask then hops to the common fork-join pool, a thread hand-off that costs more than
 * the step itself on the call path. The steps chained after an ask are short and never block (they
 * build the next message, pipe to the asking actor, or encode an answer), so running them where the
 * reply lands is both safe and cheaper.
 */
public final class Asks {
  private Asks() {}

  /** Asks a sharded entity; a {@code StatusReply} error fails the stage with its cause. */
  public static <M, R> CompletionStage<R> withStatus(
      EntityRef<M> entity, Function<ActorRef<StatusReply<R>>, M> command, Duration timeout) {
    return direct(entity.askWithStatus(command::apply, timeout));
  }

  /** Asks any actor that answers with a {@code StatusReply}. */
  public static <M, R> CompletionStage<R> withStatus(
      RecipientRef<M> target,
      Function<ActorRef<StatusReply<R>>, M> command,
      Duration timeout,
      Scheduler scheduler) {
    return direct(AskPattern.askWithStatus(target, command::apply, timeout, scheduler));
  }

  /** Asks any actor for a plain answer. */
  public static <M, R> CompletionStage<R> ask(
      RecipientRef<M> target,
      Function<ActorRef<R>, M> command,
      Duration timeout,
      Scheduler scheduler) {
    return direct(AskPattern.ask(target, command::apply, timeout, scheduler));
  }

  private static <T> CompletionStage<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    // The *Async form with an explicit executor is the one the wrapper leaves alone; running it
    // inline hands the outcome over on the answering thread.
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (failure != null) plain.completeExceptionally(failure);
          else plain.complete(value);
        },
        Runnable::run);
    return plain;
  }

  /**
   * What a failed stage failed with: its cause once the {@code CompletionException}s that chained
   * stages wrap it in are off.
   */
  public static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
    return t;
  }
}
