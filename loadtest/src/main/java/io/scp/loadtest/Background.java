package io.scp.loadtest;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Long or blocking work (a traffic run, reading a process's output) on its own daemon thread. Never
 * on the common fork-join pool: it may have only two threads, and the HTTP client's retries and
 * continuations need them.
 */
final class Background {
  private Background() {}

  static <T> CompletableFuture<T> supply(String name, Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(work.get());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
    return result;
  }

  static CompletableFuture<Void> run(String name, Runnable work) {
    return supply(
        name,
        () -> {
          work.run();
          return null;
        });
  }
}
