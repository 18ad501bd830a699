package io.scp.actors.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Continues an ask's stage on the thread that answered it.
 *
 * <p>Pekko's Java asks return Scala's {@code CompletableFuture} wrapper, which turns every plain
 * {@code thenApply}, {@code thenCompose} or {@code whenComplete} into its {@code *Async} form: each
 * step after an ask then hops to the common fork-join pool, a thread hand-off that costs more than
 * the step itself on the call path. The steps chained here are short and never block (they build
 * the next message or encode an answer), so running them where the reply lands is both safe and
 * cheaper.
 */
public final class Replies {
  private Replies() {}

  /** The same outcome as {@code stage}, with dependent steps run by the completing thread. */
  public static <T> CompletionStage<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    // The *Async form with an explicit executor is the one the wrapper leaves alone; running it
    // inline makes the hand-over immediate.
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (failure != null) plain.completeExceptionally(failure);
          else plain.complete(value);
        },
        Runnable::run);
    return plain;
  }
}
