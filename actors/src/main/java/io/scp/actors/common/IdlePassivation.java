package io.scp.actors.common;

import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;

/**
 * Passivation after a quiet period, for remembered entities (sharding does not passivate those by
 * itself). Every command but the idle check counts as activity; the check passivates only an entity
 * that got no command for the whole timeout and holds nothing pending, and otherwise looks again
 * when the timeout would next run out. Checking only "nothing pending" would stop a busy entity
 * every timeout between two of its commands and make it recover from the journal again.
 */
public final class IdlePassivation<C> {
  private final TimerScheduler<C> timers;
  private final C check;
  private final Duration timeout;
  private final Runnable passivate;
  private long lastCommandNanos = System.nanoTime();

  /**
   * @param check the command the timer sends; the entity answers it with {@link #onCheck}
   */
  public IdlePassivation(TimerScheduler<C> timers, C check, Duration timeout, Runnable passivate) {
    this.timers = timers;
    this.check = check;
    this.timeout = timeout;
    this.passivate = passivate;
  }

  /** Starts the first quiet period (after recovery). */
  public void arm() {
    timers.startSingleTimer(check, check, timeout);
  }

  /** The entity's command handler, counting each command but the idle check as activity. */
  public <E, S> CommandHandlerWithReply<C, E, S> counting(CommandHandlerWithReply<C, E, S> inner) {
    return (state, command) -> {
      if (command != check) lastCommandNanos = System.nanoTime();
      return inner.apply(state, command);
    };
  }

  /** The idle check arrived: passivate, or look again later. */
  public void onCheck(boolean pending) {
    long quietNanos = System.nanoTime() - lastCommandNanos;
    if (pending) {
      arm();
    } else if (quietNanos < timeout.toNanos()) {
      timers.startSingleTimer(check, check, timeout.minusNanos(quietNanos));
    } else {
      passivate.run();
    }
  }
}
