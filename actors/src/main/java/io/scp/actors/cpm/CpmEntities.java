package io.scp.actors.cpm;

import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts sharding for every CPM entity type. */
public final class CpmEntities {
  private CpmEntities() {}

  public static void init(ActorSystem<?> system, CpmSettings settings, Clock clock) {
    CpmUser.init(system, settings, clock);
    CpmMessage.init(system, settings, clock);
    CpmSession.init(system, settings, clock);
    CpmGroup.init(system);
    SmsOutbox.init(system, settings);
  }
}
