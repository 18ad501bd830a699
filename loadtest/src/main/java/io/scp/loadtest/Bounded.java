package io.scp.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/** Asynchronous steps over many items, a bounded number in flight, waited for together. */
final class Bounded {
  private Bounded() {}

  /** Runs {@code step} for every item, at most {@code limit} at a time; fails if any failed. */
  static <T> void forEach(List<T> items, int limit, Function<T, CompletableFuture<Void>> step) {
    // A permit is acquired here on the caller's thread: a request made inside a continuation must
    // never wait for a permit (the threads that would release it could all be waiting).
    Semaphore inFlight = new Semaphore(limit);
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (T item : items) {
      inFlight.acquireUninterruptibly();
      pending.add(step.apply(item).whenComplete((done, failure) -> inFlight.release()));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }
}
