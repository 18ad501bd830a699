package io.scp.actors.common;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * How every entity restarts after a failure of its journal or snapshot store: with a backoff from
 * 200 ms up to 5 s, so that an unreachable database is not hammered. One instance for all entities
 * (each used to build its own).
 */
public final class EntityRestart {
  public static final BackoffSupervisorStrategy WITH_BACKOFF =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

  private EntityRestart() {}
}
