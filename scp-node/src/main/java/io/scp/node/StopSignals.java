package io.scp.node;

import java.util.List;
import sun.misc.Signal;

/**
 * SIGTERM and Ctrl-C (SIGINT) are how a node or its database is stopped cleanly, so they end the
 * process with exit code 0 — by the JVM's default they would end it with 143 or 130 even when
 * everything stopped well, which service managers and scripts read as a failure. The stop itself is
 * unchanged: {@link System#exit} runs the shutdown hooks (Pekko's coordinated shutdown, then the
 * embedded PostgreSQL), as the signal did. A signal the process was started to ignore (a background
 * job of a non-interactive shell ignores SIGINT) stays ignored: the JVM keeps it so.
 */
final class StopSignals {
  private StopSignals() {}

  static void exitCleanly() {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> System.exit(0));
      } catch (IllegalArgumentException unavailable) {
        // Not a signal on this platform, or the JVM keeps it (-Xrs): its default stays.
      }
    }
  }
}
