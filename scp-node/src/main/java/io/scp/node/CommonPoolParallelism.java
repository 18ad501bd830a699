package io.scp.node;

/**
 * Gives the JDK's common fork-join pool at least two threads. Pekko's Java API hands out Scala
 * futures converted to {@code CompletableFuture}s whose plain {@code thenApply}/{@code
 * whenComplete} run asynchronously on the default executor; with a common-pool parallelism below
 * two (any machine with one or two cores) that executor starts a new thread for every task —
 * thousands per second under load. Must run before anything touches {@code ForkJoinPool}.
 */
final class CommonPoolParallelism {
  static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private CommonPoolParallelism() {}

  static void ensureAtLeastTwo() {
    if (System.getProperty(PROPERTY) == null) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.setProperty(PROPERTY, Integer.toString(Math.max(2, cores - 1)));
    }
  }
}
